/**
 * A FileReference pasted cut short (a chat bubble or a terminal that truncated the base64): every
 * cut after which the reference can no longer reproduce the file is refused when it is read, with
 * E_BAD_REFERENCE saying the reference looks cut, before any job or download.
 */
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { isCompatError } from "../../src/errors/index.js";
import { decodeReference } from "../../src/storage/reference-codec.js";
import { startClient } from "./support/client-fixture.js";

/** Where each top-level field of protobuf bytes starts and ends, with its field number. */
function topLevelFields(bytes: Uint8Array): { field: number; start: number; end: number }[] {
  const fields: { field: number; start: number; end: number }[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const start = at;
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 2) {
      const length = varint();
      at += length;
    }
    else throw new Error(`unexpected wire type ${wire}`);
    fields.push({ field: Math.floor(key / 8), start, end: at });
  }
  return fields;
}

/** What a read of `bytes` by `protocol` threw: its code and message, or "read" when it did not throw. */
function readOutcome(bytes: Uint8Array, protocol: number): string {
  try {
    decodeReference(bytes, protocol);
    return "read";
  } catch (error) {
    return isCompatError(error) ? `${error.code}: ${error.message}` : `untyped: ${String(error)}`;
  }
}

const PLAINTEXT_SHA256 = 6;

describe("a reference cut at a field boundary", () => {
  test.each([2, 3])(
    "protocol %i: every cut before the plaintext hash is E_BAD_REFERENCE saying the reference looks cut (it said a field 'is required but missing', as for a writer's bug), and fetch refuses it before any job",
    async (protocol) => {
      const { client, dataDir, statePath } = await startClient({ protocol });
      const shared = await client.share({ bytes: randomBytes(5 * 32 * 1024 + 77), fileName: "clip.mp4" }).done;
      const bytes = shared.reference;
      const fields = topLevelFields(bytes);
      expect(fields.filter((f) => f.field === 1).length).toBe(6);
      const last = fields.findIndex((f) => f.field === PLAINTEXT_SHA256);
      for (const { start, end } of fields) {
        // Inside a field: any cut there, the last ones' too, leaves bytes that end mid-field.
        if (end - start > 1) expect(readOutcome(bytes.subarray(0, end - 1), protocol)).toMatch(/^E_BAD_REFERENCE: the file reference looks cut: it ends inside a field/);
      }
      for (const { end } of fields.slice(0, last)) {
        const cut = bytes.subarray(0, end);
        expect(readOutcome(cut, protocol), `cut at ${end} of ${bytes.length}`).toMatch(/^E_BAD_REFERENCE: the file reference looks cut/);
        expect(() => client.fetch(cut, { out: `${dataDir}-never` })).toThrow(/looks cut/);
      }
      const db = new Database(statePath, { readonly: true });
      try {
        expect(db.prepare("SELECT count(*) FROM download_jobs").pluck().get()).toBe(0);
      } finally {
        db.close();
      }
      // Right after the plaintext hash: the same bytes as a reference whose times are unknown (a
      // version 2 writer's, or a version 3 writer's re-encoding of one), which must be read.
      expect(readOutcome(bytes.subarray(0, fields[last]!.end), protocol)).toBe("read");
      expect(readOutcome(bytes, protocol)).toBe("read");
    },
  );

  test("protocol 3 reading a version 2 reference of several pieces (from a 0.2.0 sender) cut before its plaintext hash: E_BAD_REFERENCE saying it looks cut; it said 'pieces[1].index must equal the piece's position 1', a version 3 rule the reference never had to keep", async () => {
    const { client: sender } = await startClient({ protocol: 2 });
    const shared = await sender.share({ bytes: randomBytes(5 * 32 * 1024 + 77), fileName: "clip.mp4" }).done;
    const bytes = shared.reference;
    const fields = topLevelFields(bytes);
    expect(readOutcome(bytes, 3)).toBe("read");
    const last = fields.findIndex((f) => f.field === PLAINTEXT_SHA256);
    for (const { end } of fields.slice(0, last)) {
      expect(readOutcome(bytes.subarray(0, end), 3), `cut at ${end} of ${bytes.length}`).toMatch(/^E_BAD_REFERENCE: the file reference looks cut/);
    }
  });

  test("protocol 3: a cut between uploaded_at and expires_at (no writer writes one without the other) is E_BAD_REFERENCE saying the reference looks cut; it was read with its expiry gone, so status() said 'unknown' for a file it knew to be available", async () => {
    const { client: sender, backend } = await startClient({ protocol: 3 });
    const shared = await sender.share({ bytes: randomBytes(5 * 32 * 1024 + 77), fileName: "clip.mp4" }).done;
    // A receiver knows the expiry only from the reference (the sender's journal has its own).
    const { client: receiver } = await startClient({ protocol: 3, backend });
    const bytes = shared.reference;
    const fields = topLevelFields(bytes);
    const uploadedAt = fields.find((f) => f.field === 7);
    expect(uploadedAt, "a version 3 writer writes uploaded_at").toBeDefined();
    expect(fields.at(-1)?.field, "and expires_at after it").toBe(8);
    expect((await receiver.status(bytes)).state).toBe("available");
    const cut = bytes.subarray(0, uploadedAt!.end);
    expect(readOutcome(cut, 3)).toMatch(/^E_BAD_REFERENCE: the file reference looks cut: it ends before its expiresAt/);
    await expect(receiver.status(cut)).rejects.toMatchObject({ code: "E_BAD_REFERENCE", details: { cut: true } });
    // A version 2 reader (the release before) never reads the times: it loses nothing and reads it.
    expect(readOutcome(cut, 2)).toBe("read");
  });

  test("a writer that puts the pieces last (protobuf allows any field order): a cut between pieces leaves fewer pieces than the file needs; it was read as a whole reference (status() reported on the pieces left) and refused only by fetch, without saying it looks cut", async () => {
    const { client } = await startClient({ protocol: 3 });
    const shared = await client.share({ bytes: randomBytes(5 * 32 * 1024 + 77), fileName: "clip.mp4" }).done;
    const bytes = Buffer.from(shared.reference);
    const fields = topLevelFields(bytes);
    const pieces = fields.filter((f) => f.field === 1);
    const rest = fields.filter((f) => f.field !== 1);
    const reordered = Buffer.concat([...rest, ...pieces].map((f) => bytes.subarray(f.start, f.end)));
    expect(readOutcome(reordered, 3)).toBe("read");
    let end = rest.reduce((n, f) => n + f.end - f.start, 0);
    for (const piece of pieces.slice(0, -1)) {
      end += piece.end - piece.start;
      const cut = reordered.subarray(0, end);
      expect(readOutcome(cut, 3), `cut at ${end} of ${reordered.length}`).toMatch(/^E_BAD_REFERENCE: the file reference looks cut: its \d+ pieces hold \d+ of the \d+ bytes/);
      await expect(client.status(cut)).rejects.toMatchObject({ code: "E_BAD_REFERENCE" });
    }
  });
});
