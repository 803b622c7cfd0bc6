import { describe, expect, test } from "vitest";
import { openState, queriesForLevel, runReleaseQueries, shippedCatalog, type QueryRandom } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

const catalog = shippedCatalog();
const levels = Array.from({ length: catalog.maxLevel }, (_, i) => i + 1);

describe("release queries on files of every level", () => {
  const pairs = levels.flatMap((file) => levels.map((code) => [file, code] as const));

  test.each(pairs)("file at level %i, queries of level %i: they run exactly when that level may use the file", async (fileLevel, codeLevel) => {
    const dir = tempDir();
    const path = copyFixture(fileLevel, dir);
    const h = await openState({ path, level: fileLevel });
    try {
      const usable = codeLevel <= fileLevel && catalog.compatLevelAt(fileLevel) <= codeLevel;
      const result = runReleaseQueries(h.db, codeLevel);
      expect(result.passed.length + result.failed.length).toBe(queriesForLevel(codeLevel).checks.length);
      if (usable) expect(result.failed).toEqual([]);
      else expect(result.failed.length).toBeGreaterThan(0);
    } finally {
      h.close();
    }
  });

  test.each(levels)("level %i's checks run with a random source of the caller's own (QueryRandom: int and bytes), as an app or CI running them itself gives one", async (level) => {
    // The checks' argument was typed as the fixture's SeededRandom class, which the package does not export.
    const path = copyFixture(level, tempDir());
    const h = await openState({ path, level });
    let n = 0;
    const own: QueryRandom = {
      int: (min, max) => min + (n++ % (max - min + 1)),
      bytes: (size) => Buffer.alloc(size, n++ % 251),
    };
    try {
      h.db.exec("BEGIN");
      for (const check of queriesForLevel(level).checks) check.run(h.db, own);
      expect(n).toBeGreaterThan(0);
    } finally {
      h.db.exec("ROLLBACK");
      h.close();
    }
  });

  test("running the checks leaves the file as it was (their transaction is rolled back)", async () => {
    const path = copyFixture(3, tempDir());
    const h = await openState({ path, level: 3 });
    const count = (): unknown => h.db.prepare("SELECT (SELECT count(*) FROM peers) + (SELECT count(*) FROM upload_jobs) + (SELECT count(*) FROM cd_pointers)").pluck().get();
    const before = count();
    runReleaseQueries(h.db, 3);
    expect(count()).toBe(before);
    h.close();
    const hash = sha256File(path);
    const again = await openState({ path, level: 3 });
    runReleaseQueries(again.db, 2);
    again.close();
    expect(sha256File(path)).toBe(hash);
  });
});
