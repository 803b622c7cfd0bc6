/**
 * `npx tsx scripts/state-fixtures.ts`: regenerates fixtures/state/levelN.sqlite, one small state
 * database per level, through the real migrations and the fixture writer (fixed seed). Existing
 * files are replaced. See fixtures/state/README.md.
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { shippedCatalog, writeFixture } from "../src/state/index.js";
import { STATE_FIXTURE_ROWS, STATE_FIXTURE_SEED } from "./state-fixture-spec.js";


const dir = fileURLToPath(new URL("../fixtures/state/", import.meta.url));
for (let level = 1; level <= shippedCatalog().maxLevel; level++) {
  const out = `${dir}level${level}.sqlite`;
  for (const p of [out, `${out}-wal`, `${out}-shm`]) rmSync(p, { force: true });
  const summary = await writeFixture({ out, level, rows: STATE_FIXTURE_ROWS, seed: STATE_FIXTURE_SEED });
  process.stdout.write(`fixtures/state/level${level}.sqlite: ${Object.entries(summary.tables).map(([t, n]) => `${t} ${n}`).join(", ")}\n`);
}
