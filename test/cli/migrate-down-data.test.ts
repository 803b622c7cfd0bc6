/**
 * `status-compat migrate down` that would drop data outside the storage journal (3 -> 2: expiry
 * and supersede values): refused with exit 4 naming each column and count; --dry-run
 * --discard-data prints what it would drop, table by table; --discard-data runs it.
 */
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { inspectState } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

/** Values a column holds in the file (non-NULL), counted here from its rows. */
function valuesIn(path: string, table: string, column: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT count("${column}") FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe("status-compat migrate down dropping data outside the journal", () => {
  test("exits 4 with E_STATE_DATA_LOSS naming each column, file unchanged; it exited 0 and dropped them", async () => {
    const path = copyFixture(3, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", "down", "--db", path]);
    expect(r.code, r.stdout).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error[E_STATE_DATA_LOSS]");
    expect(r.stderr).toMatch(/file_references\.expires_at: \d+ values/);
    expect(r.stderr).toContain("--discard-data");
    expect(sha256File(path)).toBe(hash);
    const dry = await runCliInProcess(["migrate", "down", "--db", path, "--dry-run"]);
    expect(dry.code).toBe(4);
    expect(dry.stderr).toContain("error[E_STATE_DATA_LOSS]");
  });

  test("--dry-run --discard-data lists each dropped column with its count (text and --json) and writes nothing; --discard-data runs it", async () => {
    const path = copyFixture(3, tempDir());
    const hash = sha256File(path);
    const [expires, offsets, cids] = [valuesIn(path, "file_references", "expires_at"), valuesIn(path, "upload_pieces", "offset"), valuesIn(path, "cd_pointers", "supersedes_cid")];
    expect(Math.min(expires, offsets, cids)).toBeGreaterThan(0);
    const r = await runCliInProcess(["migrate", "down", "--db", path, "--dry-run", "--discard-data"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would drop:\n/);
    expect(r.stdout).toMatch(new RegExp(` {4}column file_references\\.expires_at +${expires.toLocaleString("en-US")} values\n`));
    expect(r.stdout).toMatch(new RegExp(` {4}column upload_pieces\\.offset +${offsets.toLocaleString("en-US")} values {2}\\(storage journal\\)\n`));
    const json = JSON.parse((await runCliInProcess(["migrate", "down", "--db", path, "--dry-run", "--discard-data", "--json"])).stdout) as { dataLoss: { columns: unknown[] } };
    expect(json.dataLoss.columns).toContainEqual({ table: "cd_pointers", column: "supersedes_cid", values: cids, journal: false });
    expect(sha256File(path)).toBe(hash);
    const real = await runCliInProcess(["migrate", "down", "--db", path, "--discard-data"]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/ {2}dropped:\n/);
    expect(inspectState(path)).toMatchObject({ level: 2, problem: undefined });
  });

  test("--discard-data goes with down only (exit 2)", async () => {
    const path = copyFixture(2, tempDir());
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--discard-data"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--discard-data goes with down/);
  });
});
