/**
 * A migration's log line gave the level it brought the file to as `level`, the key pino writes the
 * line's severity under: the JSON held `level` twice, and a reader (JSON.parse, a log shipper)
 * kept the last, so an info line read as severity 1, 2 or 3 (below trace) and was dropped or
 * mis-sorted by anything filtering on it. It is `stateLevel` now.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { migrateState } from "../../src/state/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";

describe("a migration's log line", () => {
  test("keeps pino's level (info, 30) and says the file's level as stateLevel", async () => {
    const capture = new LogCapture();
    const path = join(tempDir("scc-migration-log-"), "state.db");
    await migrateState({ path, direction: "up", logger: createLogger({ level: "info", destination: capture }) });
    const applied = capture.text.split("\n").filter((l) => l.includes('"migration applied'));
    expect(applied).toHaveLength(3);
    for (const line of applied) expect(line.match(/"level":/g), line).toHaveLength(1);
    expect(capture.lines().filter((l) => String(l["msg"]).startsWith("migration applied")).map((l) => [l["level"], l["stateLevel"], l["migration"]])).toEqual([
      [30, 1, "0001_level1_waku_only"],
      [30, 2, "0002_level2_dual_path"],
      [30, 3, "0003_level3_codex_first"],
    ]);
  });
});
