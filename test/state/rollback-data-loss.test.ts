/**
 * `down` drops more than the storage journal: 2 -> 1 drops the rows of file_references,
 * cd_pointers and cache_entries (and communities.source), 3 -> 2 drops the values of
 * file_references.expires_at, cd_pointers.supersedes_* and upload_pieces.offset. A release
 * engineer must be told, table by table, before it happens, and a real down must refuse it
 * unless the caller accepts the loss.
 */
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { inspectState, migrateState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

function count(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

async function refusal(promise: Promise<unknown>): Promise<StateError> {
  const outcome = await promise.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a refusal, the down ran: ${JSON.stringify(outcome.result)}`);
  expect(outcome.error).toBeInstanceOf(StateError);
  return outcome.error as StateError;
}

/** The level-3 fixture's counts of what a down to level 2 drops, from its rows. */
function level3Values(path: string): { expires: number; supersedesClock: number; supersedesCid: number; offsets: number } {
  return {
    expires: count(path, `SELECT count(expires_at) FROM file_references`),
    supersedesClock: count(path, `SELECT count(supersedes_clock) FROM cd_pointers`),
    supersedesCid: count(path, `SELECT count(supersedes_cid) FROM cd_pointers`),
    offsets: count(path, `SELECT count("offset") FROM upload_pieces`),
  };
}

describe("down that drops data outside the storage journal", () => {
  test("3 -> 2 with expiry and supersede values is refused with E_STATE_DATA_LOSS naming each column and count; nothing is written (it dropped them and exited 0)", async () => {
    const path = copyFixture(3, tempDir());
    const v = level3Values(path);
    expect(v.expires).toBeGreaterThan(0);
    expect(v.supersedesClock).toBeGreaterThan(0);
    expect(v.offsets).toBeGreaterThan(0);
    const hash = sha256File(path);
    const e = await refusal(migrateState({ path, direction: "down" }));
    expect(e.code).toBe("E_STATE_DATA_LOSS");
    expect(e.details).toMatchObject({ path, level: 3, targetLevel: 2 });
    expect((e.details as { columns: unknown }).columns).toEqual(
      expect.arrayContaining([
        { table: "file_references", column: "expires_at", values: v.expires, journal: false },
        { table: "cd_pointers", column: "supersedes_clock", values: v.supersedesClock, journal: false },
        { table: "cd_pointers", column: "supersedes_cid", values: v.supersedesCid, journal: false },
        { table: "upload_pieces", column: "offset", values: v.offsets, journal: true },
      ]),
    );
    expect(e.message).toContain(`file_references.expires_at: ${v.expires} values`);
    expect(e.message).toContain(`cd_pointers.supersedes_clock: ${v.supersedesClock} values`);
    expect(e.message).toContain(`upload_pieces.offset: ${v.offsets} values`);
    // The way on: release 0.2.0 opens the level-3 file as it is; or accept the loss explicitly.
    expect(e.message).toContain("release 0.2.0 opens a level-3 file (compat level 2) as it is, so reinstalling it needs no down at all");
    expect(e.message).toContain("`--discard-data` (migrateState's `discardData: true`)");
    expect(sha256File(path)).toBe(hash);
    expect(inspectState(path)).toMatchObject({ level: 3, problem: undefined });
  });

  test("2 -> 1 with no unfinished jobs but file references, pointers, cache entries and Codex-sourced descriptions is refused, table by table", async () => {
    const path = copyFixture(2, tempDir());
    const rows = {
      refs: count(path, `SELECT count(*) FROM file_references`),
      pointers: count(path, `SELECT count(*) FROM cd_pointers`),
      cache: count(path, `SELECT count(*) FROM cache_entries`),
      codex: count(path, `SELECT count(*) FROM communities WHERE source <> 'waku'`),
    };
    expect(Object.values(rows).every((n) => n > 0)).toBe(true);
    const hash = sha256File(path);
    // The journal's own refusal is accepted here: what remains is the data outside it.
    const e = await refusal(migrateState({ path, direction: "down", discardUnfinishedJobs: true }));
    expect(e.code).toBe("E_STATE_DATA_LOSS");
    const details = e.details as { tables: unknown; columns: unknown };
    expect(details.tables).toEqual(
      expect.arrayContaining([
        { table: "file_references", rows: rows.refs, journal: false },
        { table: "cd_pointers", rows: rows.pointers, journal: false },
        { table: "cache_entries", rows: rows.cache, journal: false },
      ]),
    );
    // A description received over Waku (the column's default) loses nothing: level 1 has only Waku.
    expect(details.columns).toEqual([{ table: "communities", column: "source", values: rows.codex, journal: false }]);
    expect(e.message).toContain(`file_references: ${rows.refs} rows`);
    expect(e.message).toContain(`cache_entries: ${rows.cache} rows`);
    expect(sha256File(path)).toBe(hash);
  });

  test("with discardData the down runs and its result names, table by table, what it dropped; a dry run reports the same and writes nothing", async () => {
    const path = copyFixture(3, tempDir());
    const v = level3Values(path);
    const hash = sha256File(path);
    const dry = await migrateState({ path, direction: "down", dryRun: true, discardData: true });
    expect(dry.dataLoss?.columns).toEqual(expect.arrayContaining([{ table: "file_references", column: "expires_at", values: v.expires, journal: false }]));
    expect(sha256File(path)).toBe(hash);
    const result = await migrateState({ path, direction: "down", discardData: true });
    expect(result.after.level).toBe(2);
    expect(result.dataLoss).toEqual(dry.dataLoss);
    expect(result.dataLoss?.tables).toEqual([]);
  });

  test("a down that drops only empty tables and columns, or columns holding their default, needs no option and reports nothing", async () => {
    const path = copyFixture(3, tempDir());
    const db = new Database(path);
    try {
      db.exec(`UPDATE file_references SET expires_at = NULL; UPDATE cd_pointers SET supersedes_clock = NULL, supersedes_cid = NULL; UPDATE upload_pieces SET "offset" = NULL`);
    } finally {
      db.close();
    }
    const result = await migrateState({ path, direction: "down" });
    expect(result.after.level).toBe(2);
    expect(result.dataLoss).toBeUndefined();
  });

  test("the journal's own dropped column (upload_pieces.offset) is reported but, like the journal's done jobs, needs no option: the older release resumes without it", async () => {
    const path = copyFixture(3, tempDir());
    const db = new Database(path);
    try {
      db.exec(`UPDATE file_references SET expires_at = NULL; UPDATE cd_pointers SET supersedes_clock = NULL, supersedes_cid = NULL`);
    } finally {
      db.close();
    }
    const offsets = count(path, `SELECT count("offset") FROM upload_pieces`);
    const result = await migrateState({ path, direction: "down" });
    expect(result.dataLoss).toEqual({ tables: [], columns: [{ table: "upload_pieces", column: "offset", values: offsets, journal: true }] });
  });
});

describe("the journal's refusal does not send the user to a down that drops data unsaid", () => {
  test("3 -> 1 with unfinished jobs: the 'down --to level 2 is all it needs' hint says that down drops the expiry and supersede values and needs --discard-data", async () => {
    const path = copyFixture(3, tempDir());
    const e = await refusal(migrateState({ path, direction: "down", to: "0001_level1_waku_only" }));
    expect(e.code).toBe("E_STATE_UNFINISHED_JOBS");
    expect(e.message).toContain("`migrate down --to 0002_level2_dual_path` is all it needs and keeps the journal");
    expect(e.message).toMatch(/it drops cd_pointers\.supersedes_cid: \d+ values, cd_pointers\.supersedes_clock: \d+ values, file_references\.expires_at: \d+ values: only with `--discard-data`\)/);
  });
});
