/**
 * A reference whose piece CID has the syntax of one ("z" and base58btc characters, which is all the
 * wire layer checks) but is no CID (a corrupt or forged message) is a bad reference: fetch refuses
 * it at once, like any other, instead of journaling a download that then fails on every endpoint.
 */
import { join } from "node:path";
import { expect, test } from "vitest";
import { decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

test("a piece CID of valid syntax that is no CID is refused by fetch at once with E_BAD_REFERENCE naming the piece: no job, nothing asked of the store", async () => {
  const dir = tempDir("scc-bad-cid-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const { client } = await startClient({ dir, backend });
  const { reference } = await client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path }).done;
  const view = decodeFileReference(reference, { written: 3, reader: 3 });
  view.pieces[1] = { ...(view.pieces[1] as (typeof view.pieces)[number]), cid: "z1111111111111111" };
  const forged = encodeFileReference(view, 3);
  const jobsBefore = client.jobs().length;
  expect(() => client.fetch(forged, { out: join(dir, "out.bin") })).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE", message: expect.stringMatching(/piece 1/) }));
  expect(() => client.fetchStream(forged)).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE" }));
  expect(client.jobs().length).toBe(jobsBefore);
  expect(backend.gets).toBe(0);
});
