/**
 * A backend of the application's own (the StorageBackend port is in the package's types) whose put
 * answers a CID in a spelling a FileReference cannot carry: multiformats' `cid.toString()` gives a
 * CIDv1 in base32 (`bafk…`), where a reference takes base58btc (`z…`), as the Codex backend and
 * the local store return. Before, every piece was stored and journaled under that text, the share
 * then failed E_BAD_REFERENCE "could not encode the file reference", and retry(), even once the
 * backend answered base58btc, failed the same way for good: the journaled pieces kept the text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { base32 } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import { describe, expect, test } from "vitest";
import type { PutOptions } from "../../src/storage/backend.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";

/** The local store (which reads a base32 spelling of a block it holds as that block), answering puts in base32 until told otherwise. */
class Base32Answers extends ForwardingBackend {
  base32 = true;
  puts = 0;

  override async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
    this.puts++;
    const cid = await this.inner.put(body, options);
    return this.base32 ? CID.parse(cid).toString(base32) : cid;
  }
}

describe("a put answered with CID text a FileReference cannot carry", () => {
  test("fails the share at that piece with E_BAD_CID naming the backend and the text, nothing journaled; retry() once the backend answers base58btc shares the file", async () => {
    const dir = tempDir();
    const backend = new Base32Answers(localStore(join(dir, "store")), { kind: "app-store", location: "app-store:1" });
    const setup = await startClient({ dir, backend, piecesInFlight: 1 });
    const file = writeRandomFile(setup.dir, "photo.jpg", 100 * KiB);
    const job = setup.client.share({ path: file.path });
    const error = await job.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    // The piece named is the first answer to come back: piece 0's, or piece 1's when the store of
    // piece 0 is still under way (two sealed pieces may be stored at once with piecesInFlight 1).
    expect(error).toMatchObject({
      code: "E_BAD_CID",
      message: expect.stringMatching(/app-store backend app-store:1 answered the put of piece [01] of upload .* with the string "bafk[a-z2-7]+", which a FileReference cannot carry.*base58btc/),
      details: { cid: expect.stringMatching(/^bafk/), location: "app-store:1" },
    });
    // Refused at the first answer, not after every piece was sent (4 pieces of 32 KiB; a store waits beside the window).
    expect(backend.puts).toBeLessThan(4);
    expect(setup.client.jobs()).toEqual([expect.objectContaining({ id: job.id, state: "failed", lastErrorCode: "E_BAD_CID" })]);
    backend.base32 = false;
    const again = setup.client.retry(job.id);
    if (again.kind !== "upload") throw new Error("retry gave a download's handle");
    const shared = await again.done;
    expect(shared.view.pieces).toHaveLength(4);
    for (const piece of shared.view.pieces) expect(piece.cid).toMatch(/^z/);
    const got = await setup.client.fetch(shared.reference, { out: join(setup.dir, "got.jpg") }).done;
    expect(readFileSync(got.path).equals(file.bytes)).toBe(true);
  });
});
