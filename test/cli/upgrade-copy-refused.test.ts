import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "../state/support/files.js";

describe("status-compat upgrade --dry-run whose copy the disk refuses part way (a file-size limit below the database's size)", () => {
  test("exit 4; the error names the file, the copy in the work folder and what to do, in words (it read 'cannot copy it to <copy> <file>'); nothing left; the file is as it was", async () => {
    const dir = tempDir();
    const path = copyFixture(2, dir);
    const hash = sha256File(path);
    const files = siblings(path);
    const work = join(dir, "work");
    mkdirSync(work);
    const r = await runCliUnderFileSizeLimit(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], Math.floor(statSync(path).size / 2));
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toMatch(/E_STATE_IO/);
    expect(r.stderr).not.toMatch(/cannot copy it to/);
    expect(r.stderr).toContain(`cannot copy ${path} to its rehearsal copy in the work folder`);
    expect(r.stderr).toMatch(/free some space there .*or give another --work-dir/);
    expect(readdirSync(work)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });
});
