/**
 * docs/storage.md (local store): "a well-formed CID of another codec is simply 'not found'; text
 * that is no CID is E_BAD_CID", as a Codex node answers (it reads CIDv0 `Qm…` and any multibase,
 * and 404s what it does not hold). The local store read only base58btc `z…` text: a CIDv0 and a
 * base32 `b…` CIDv1 (what IPFS tools print) were E_BAD_CID, and a base32 spelling of a block it held
 * was refused rather than found. The two backends of one port differed on the same input.
 */
import { CID } from "multiformats/cid";
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";
import { describe, expect, onTestFinished, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";
import { collect } from "./codex-fixtures.js";

const DAG_PB = 0x70;
const RAW = 0x55;

function store() {
  const backend = createLocalBackend({ dir: tempDir() });
  onTestFinished(() => backend.close());
  return backend;
}

describe("local store: CID texts a node reads", () => {
  test("a CIDv0 (Qm…) and a base32 CIDv1 of other content are not found, not E_BAD_CID", async () => {
    const backend = store();
    const digest = await sha256.digest(new TextEncoder().encode("elsewhere"));
    const v0 = CID.createV0(digest).toString();
    const b32 = CID.createV1(DAG_PB, digest).toString(base32);
    const k36 = CID.createV1(RAW, digest).toString(base36);
    for (const text of [v0, b32, k36]) {
      expect(await backend.has(text), text).toBe(false);
      await expect(backend.get(text), text).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      await expect(backend.delete(text), text).resolves.toBeUndefined();
    }
  });

  test("a well-formed CID longer than 128 characters (an identity CID carrying 100 bytes, as the Codex backend reads it) is not found, not E_BAD_CID", async () => {
    const backend = store();
    const long = CID.createV1(RAW, identity.digest(new Uint8Array(100).fill(7))).toString();
    expect(long.length).toBeGreaterThan(128);
    expect(await backend.has(long)).toBe(false);
    await expect(backend.get(long)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(backend.delete(long)).resolves.toBeUndefined();
  });

  test("the base32 spelling of a block the store holds is that block", async () => {
    const backend = store();
    const bytes = new TextEncoder().encode("a block");
    const cid = await backend.put(bytes);
    const b32 = CID.parse(cid).toString(base32);
    expect(await backend.has(b32)).toBe(true);
    expect((await collect((await backend.get(b32)).body)).equals(Buffer.from(bytes))).toBe(true);
  });

  test("text that is no CID is still E_BAD_CID (a flipped character of a base32 CID too)", async () => {
    const backend = store();
    const b32 = CID.createV1(RAW, await sha256.digest(new Uint8Array([1]))).toString(base32);
    for (const text of ["", "hello", `${b32.slice(0, -1)}!`, "Qm"]) {
      await expect(backend.has(text), text).rejects.toMatchObject({ code: "E_BAD_CID" });
    }
  });
});
