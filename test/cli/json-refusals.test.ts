import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

/**
 * With --json, scripts parse stdout. `migrate up/down --json` and `upgrade --json` refused by the
 * state database (data loss, missing, not a database, locked) printed nothing there, only the human
 * line on stderr: a script's JSON.parse failed and the refusal's details (E_STATE_DATA_LOSS names
 * every table and count) were out of its reach. `migrate status --json` prints the refusal as one
 * object; these now do too: { path, error: { code, message, details, … } }, same exit status.
 */
interface Refusal {
  path: string;
  error: { code: string; layer: string; message: string; details: Record<string, unknown> };
}

describe("--json refusals of migrate up/down and upgrade", () => {
  test("migrate down --json that would drop data: one object with E_STATE_DATA_LOSS and its tables, exit 4, nothing written", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", "down", "--db", path, "--discard-unfinished-jobs", "--json"]);
    expect(r.code, r.stderr).toBe(4);
    const out = JSON.parse(r.stdout) as Refusal;
    expect(out).toMatchObject({ path, error: { code: "E_STATE_DATA_LOSS", layer: "state" } });
    expect(out.error.details["tables"]).toEqual(expect.arrayContaining([expect.objectContaining({ table: "file_references" })]));
    expect(r.stderr).toMatch(/error\[E_STATE_DATA_LOSS\]/);
    expect(sha256File(path)).toBe(hash);
  });

  test("migrate down --json on a missing file: E_STATE_NOT_FOUND as one object, exit 4", async () => {
    const path = join(tempDir(), "nope.sqlite");
    const r = await runCliInProcess(["migrate", "down", "--db", path, "--json"]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ path, error: { code: "E_STATE_NOT_FOUND" } });
  });

  test("migrate up --json on a text file: E_STATE_NOT_A_DATABASE as one object, exit 4", async () => {
    const path = join(tempDir(), "notes.sqlite");
    writeFileSync(path, "not a database\n".repeat(100));
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--json"]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ path, error: { code: "E_STATE_NOT_A_DATABASE" } });
  });

  test("upgrade --dry-run --json on a missing file and on a text file: one object each, exit 4", async () => {
    const dir = tempDir();
    const missing = join(dir, "nope.sqlite");
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", missing, "--dry-run", "--json", "--work-dir", tempDir()]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ path: missing, error: { code: "E_STATE_NOT_FOUND" } });
    const text = join(dir, "notes.sqlite");
    writeFileSync(text, "not a database\n".repeat(100));
    const t = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", text, "--dry-run", "--json", "--work-dir", tempDir()]);
    expect(t.code).toBe(4);
    expect(JSON.parse(t.stdout)).toMatchObject({ path: text, error: { code: "E_STATE_NOT_A_DATABASE" } });
  });

  test("without --json nothing changes: stdout empty, the error on stderr", async () => {
    const r = await runCliInProcess(["migrate", "down", "--db", join(tempDir(), "nope.sqlite")]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/error\[E_STATE_NOT_FOUND\]/);
  });
});
