/**
 * What an application hands fetch(), fetchStream() and status() as "the reference" when it is not
 * one of the three forms they take (the reference's bytes, { bytes, writtenWith }, a decoded view):
 * the base64 text `file put` prints, an ArrayBuffer from a network API, a field of its own message
 * that was missing (undefined), a view that went through JSON (its bytes became objects). Each was
 * E_BAD_REFERENCE "could not encode the file reference for protocol 3", the reason only in the
 * cause ("FileReference: expected an object, got …", "….pieces is required but missing" for an
 * ArrayBuffer), which no application shows; { bytes } without writtenWith said "writer protocol NaN".
 * The code stays E_BAD_REFERENCE; the message says what was given and what to pass instead.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { ReferenceInput, StorageClient } from "../../src/storage/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { referenceRefusals } from "./support/reference-refusals.js";

async function sharedFile(): Promise<{ client: StorageClient; dir: string; reference: Uint8Array; view: unknown }> {
  const { client, dir } = await startClient();
  const { reference, view } = await client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path }).done;
  return { client, dir, reference, view };
}


describe("a reference given in a form fetch, fetchStream and status do not take is refused saying what was given and what to pass", () => {
  test("base64 text (what file put prints): decode it first", async () => {
    const { client, dir, reference } = await sharedFile();
    for (const refusal of await referenceRefusals(client, dir, Buffer.from(reference).toString("base64"))) {
      expect(refusal.code).toBe("E_BAD_REFERENCE");
      expect(refusal.message).toMatch(/was given a string of \d+ characters/);
      expect(refusal.message).toMatch(/Buffer\.from\(text, "base64"\)/);
    }
  });

  test("an ArrayBuffer, alone or as { bytes }: wrap it in a Uint8Array", async () => {
    const { client, dir, reference } = await sharedFile();
    const buffer = Uint8Array.from(reference).buffer;
    for (const input of [buffer, { bytes: buffer, writtenWith: 3 }]) {
      for (const refusal of await referenceRefusals(client, dir, input)) {
        expect(refusal.code).toBe("E_BAD_REFERENCE");
        expect(refusal.message).toMatch(/an ArrayBuffer/);
        expect(refusal.message).toMatch(/new Uint8Array\(buffer\)/);
      }
    }
  });

  test.each([
    ["undefined", undefined],
    ["null", null],
    ["a number", 42],
  ])("%s: the three forms are named", async (_name, input) => {
    const { client, dir } = await sharedFile();
    for (const refusal of await referenceRefusals(client, dir, input)) {
      expect(refusal.code).toBe("E_BAD_REFERENCE");
      expect(refusal.message).toMatch(new RegExp(`was given ${String(input)}`));
      expect(refusal.message).toMatch(/\{ bytes, writtenWith \}/);
    }
  });

  test("a ShareResult passed whole (what share()'s done gives), or another object without pieces: named by its keys, and a ShareResult's reference pointed at", async () => {
    const { client, dir } = await startClient();
    const shared = await client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path }).done;
    // Before: "could not encode the file reference for protocol 3: FileReference.pieces is required but missing".
    for (const refusal of await referenceRefusals(client, dir, shared)) {
      expect(refusal.code).toBe("E_BAD_REFERENCE");
      expect(refusal.message).toMatch(/no pieces; its keys: jobId, reference, view, protocol\)/);
      expect(refusal.message).toMatch(/result\.reference \(its bytes\) and result\.view/);
    }
    for (const refusal of await referenceRefusals(client, dir, { cid: "zb2…", size: 3 })) {
      expect(refusal.code).toBe("E_BAD_REFERENCE");
      expect(refusal.message).toMatch(/no pieces; its keys: cid, size\)$/);
    }
  });

  test("{ bytes } without writtenWith names writtenWith, not NaN", async () => {
    const { client, dir, reference } = await sharedFile();
    for (const refusal of await referenceRefusals(client, dir, { bytes: reference })) {
      expect(refusal.code).toBe("E_BAD_REFERENCE");
      expect(refusal.message).toMatch(/writtenWith/);
      expect(refusal.message).toMatch(/envelope's version/);
      expect(refusal.message).not.toMatch(/NaN/);
    }
  });

  test("a view that went through JSON names the field the wire refuses", async () => {
    const { client, dir, view } = await sharedFile();
    for (const refusal of await referenceRefusals(client, dir, JSON.parse(JSON.stringify(view)))) {
      expect(refusal.code).toBe("E_BAD_REFERENCE");
      expect(refusal.message).toMatch(/pieces\[0\]\.sha256 must be bytes/);
    }
  });

  test("the three forms it takes still fetch the file", async () => {
    const { client, dir, reference, view } = await sharedFile();
    const inputs: ReferenceInput[] = [reference, { bytes: reference, writtenWith: 3 }, view as ReferenceInput];
    for (const [i, input] of inputs.entries()) {
      const got = await client.fetch(input, { out: join(dir, `out-${i}.bin`) }).done;
      expect(got.size).toBe(100 * KiB);
    }
  });
});
