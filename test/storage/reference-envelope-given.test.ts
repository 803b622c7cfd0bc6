/**
 * A chat message carries a file's reference inside a payload envelope (docs/wire.md), and
 * docs/storage.md says to pass `{ bytes: envelope.payload, writtenWith: envelope.version }`. An app
 * that passes the envelope's whole bytes instead (the Waku message's payload as it came) was told
 * "the file reference cannot be read by protocol 3 (E_WIRE_MALFORMED): FileReference is not a valid
 * protobuf message (… bytes): a text field is not valid UTF-8", which says nothing of envelopes.
 * The code stays E_BAD_REFERENCE; the message says these bytes are an envelope, of which kind, and
 * what to pass, in fetch, fetchStream and status alike, nothing journaled.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { StorageClient } from "../../src/storage/index.js";
import { DEFAULT_FALLBACK_TEXT, encodePayloadEnvelope, openEnvelope, type FileReference } from "../../src/wire/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { referenceRefusals } from "./support/reference-refusals.js";

async function sharedFile(protocol = 3): Promise<{ client: StorageClient; dir: string; reference: Uint8Array; view: FileReference }> {
  const { client, dir } = await startClient({ protocol });
  const { reference, view } = await client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path }).done;
  return { client, dir, reference, view };
}

function envelopeOf(kind: "file-reference" | "inline-attachment", message: unknown, version: number): Uint8Array {
  return encodePayloadEnvelope({ kind, message } as never, { version, fallbackText: DEFAULT_FALLBACK_TEXT });
}


describe("an envelope's whole bytes given as a reference", () => {
  test.each([3, 2])("a file-reference envelope of version %i: the message says to pass its payload with its version", async (version) => {
    const { client, dir, view } = await sharedFile(3);
    const envelope = envelopeOf("file-reference", view, version);
    for (const input of [envelope, { bytes: envelope, writtenWith: version }]) {
      for (const refusal of await referenceRefusals(client, dir, input)) {
        expect(refusal.code).toBe("E_BAD_REFERENCE");
        expect(refusal.message).toContain(`these bytes are a whole payload envelope (version ${version}, payload type file-reference)`);
        expect(refusal.message).toContain("{ bytes: envelope.payload, writtenWith: envelope.version }");
        expect(refusal.details).toMatchObject({ envelope: { version, type: "file-reference" } });
      }
    }
  });

  test("an envelope of another kind says it carries no file reference", async () => {
    const { client, dir } = await sharedFile(2);
    const envelope = envelopeOf("inline-attachment", { mime: "text/plain", fileName: "a.txt", data: new Uint8Array([1, 2, 3]) }, 2);
    for (const refusal of await referenceRefusals(client, dir, envelope)) {
      expect(refusal.code).toBe("E_BAD_REFERENCE");
      expect(refusal.message).toContain("these bytes are a whole payload envelope (version 2, payload type inline-attachment), not a file reference");
      expect(refusal.details).toMatchObject({ envelope: { version: 2, type: "inline-attachment" } });
    }
  });

  test("its payload, passed as the message says, is fetched", async () => {
    const { client, dir, view } = await sharedFile(3);
    const { envelope } = openEnvelope(envelopeOf("file-reference", view, 3), { min: 2, max: 3 });
    const got = await client.fetch({ bytes: envelope.payload, writtenWith: envelope.version }, { out: join(dir, "got.bin") }).done;
    expect(got.size).toBe(100 * KiB);
  });
});
