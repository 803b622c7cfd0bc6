/**
 * StorageClient's `profile` option: a client opened as a release that keeps its predecessor's
 * protocol behaves as that release (its state level and what it writes), not as the newest release
 * of the protocol in the embedded table, which `protocol` alone gives.
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { ReleaseTable, profileFor, releaseProfile, releaseTable } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, startClient } from "./support/client-fixture.js";

/** The embedded table plus 0.4.0: protocol 3 and its state level, without piece-index. */
function release040() {
  const json = { releases: releaseTable.rows.map((r) => ({ ...r, writes: [...r.writes], reads: [...r.reads] })) };
  const last = json.releases[json.releases.length - 1]!;
  json.releases.push({ ...last, release: "0.4.0", summary: "keeps protocol 3", writes: last.writes.filter((f) => f !== "piece-index") });
  const table = new ReleaseTable(json);
  return releaseProfile(table.resolve("0.4.0"), table);
}

/** The journal's piece offsets of every upload in the state file. */
function journaledOffsets(statePath: string): Array<number | null> {
  const db = new Database(statePath, { readonly: true });
  try {
    return db.prepare(`SELECT "offset" FROM upload_pieces ORDER BY idx`).pluck().all() as Array<number | null>;
  } finally {
    db.close();
  }
}

describe("StorageClient opened with a release's profile", () => {
  it("writes as that release: 0.4.0 (protocol 3 without piece-index) journals no piece offsets, where protocol 3 alone (0.3.0) does", async () => {
    const bytes = new Uint8Array(70 * KiB).fill(7);
    const asRelease = await startClient({ protocol: 3, profile: release040(), ...SMALL_PIECES, retry: FAST_RETRY, renewEveryMs: 0 });
    await asRelease.client.share({ bytes, fileName: "a.bin" }).done;
    await asRelease.client.stop();
    expect(journaledOffsets(asRelease.statePath)).toEqual([null, null, null]);

    const byProtocol = await startClient({ protocol: 3, ...SMALL_PIECES, retry: FAST_RETRY, renewEveryMs: 0 });
    await byProtocol.client.share({ bytes, fileName: "a.bin" }).done;
    await byProtocol.client.stop();
    expect(journaledOffsets(byProtocol.statePath)).toEqual([0, expect.any(Number), expect.any(Number)]);
  });

  it("refuses a profile of another protocol with a RangeError naming the option, touching nothing", async () => {
    const dir = tempDir("scc-profile-");
    const options = { protocol: 3, profile: profileFor(2), backend: undefined as never, statePath: `${dir}/state.sqlite`, dataDir: `${dir}/data` };
    await expect(StorageClient.open(options)).rejects.toThrow(RangeError);
    await expect(StorageClient.open(options)).rejects.toThrow(/options\.profile \(protocol 2\) must be a profile of options\.protocol \(3\)/);
    expect(existsSync(options.statePath)).toBe(false);
    expect(existsSync(options.dataDir)).toBe(false);
  });
});
