import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { writeFixture } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { spawnSupport } from "./support/child.js";

describe("two processes migrating the same file", () => {
  test("exactly one runs the migrations; the other waits, then finds nothing to do", async () => {
    const path = join(tempDir(), "shared.db");
    await writeFixture({ out: path, level: 1, rows: 60_000, seed: 3 });
    const a = spawnSupport("migrate-child.ts", [path, "30000"]);
    const b = spawnSupport("migrate-child.ts", [path, "30000"]);
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    expect(ea.code, ea.stderr).toBe(0);
    expect(eb.code, eb.stderr).toBe(0);
    const results = [a, b].map((c) => JSON.parse(c.lines()[1] ?? "{}") as { applied: string[]; level: number });
    const runners = results.filter((r) => r.applied.length > 0);
    expect(runners).toHaveLength(1);
    expect(runners[0]?.applied).toEqual(["0002_level2_dual_path", "0003_level3_codex_first"]);
    expect(results.map((r) => r.level)).toEqual([3, 3]);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT name FROM _state_migrations ORDER BY seq").pluck().all()).toEqual([
      "0001_level1_waku_only",
      "0002_level2_dual_path",
      "0003_level3_codex_first",
    ]);
    db.close();
  });
});
