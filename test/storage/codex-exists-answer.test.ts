/**
 * `GET /data/{cid}/exists` answers `{"<cid>": bool}` keyed by the node's own rendering of the CID.
 * The backend took any single entry as the answer about the CID it asked for, so an answer about
 * another CID (a caching proxy in between, a buggy or hostile light endpoint) read as "the piece is
 * there": renewal skipped storing a piece again that the node had dropped, and status() reported a
 * file available that no one could fetch. Only the asked CID's key counts, compared as parsed CIDs
 * (the node re-encodes the CID in base58btc, so a base32 question still matches its answer).
 */
import { describe, expect, test } from "vitest";
import { CID } from "multiformats/cid";
import { base32 } from "multiformats/bases/base32";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { codexSetup, pattern, storageError } from "./codex-fixtures.js";

describe("Codex backend: /exists answers about another CID", () => {
  test("an answer keyed by another CID is an unexpected answer (retryable), not the asked CID's", async () => {
    const { server, backend } = await codexSetup();
    const asked = await backend.put(pattern(100, 1));
    const other = await backend.put(pattern(100, 2));
    await backend.delete(asked);
    // The node's answer about `other` (stored), given to a question about `asked` (deleted).
    server.inject("exists", { kind: "status", status: 200, contentType: "application/json", body: JSON.stringify({ [other]: true }) });
    const error = await storageError(backend.has(asked), "E_BACKEND_HTTP");
    expect(error.message).toContain(asked);
    expect(classifyFailure(error)).toBe("retry");
    expect(await backend.has(asked)).toBe(false);
  });

  test("the asked CID's key is found among others, and in another base", async () => {
    const { server, backend } = await codexSetup();
    const asked = await backend.put(pattern(100, 3));
    const other = await backend.put(pattern(100, 4));
    server.inject("exists", { kind: "status", status: 200, contentType: "application/json", body: JSON.stringify({ [other]: true, [asked]: false }) });
    expect(await backend.has(asked)).toBe(false);
    // Asked in base32, answered (by the server) in base58btc: the same CID.
    expect(await backend.has(CID.parse(asked).toString(base32))).toBe(true);
    server.inject("exists", { kind: "status", status: 200, contentType: "application/json", body: JSON.stringify({ [CID.parse(asked).toString(base32)]: true }) });
    expect(await backend.has(asked)).toBe(true);
  });
});
