/**
 * A release script written in JavaScript passes options TypeScript never checks: a misspelt key was
 * ignored and the call ran on the default. `rehearseUpgrade({ …, dryrun: true })` ran the real
 * upgrade of the user's database, `migrateState({ …, dryrun: true })` the real migration. Each state
 * entry point now refuses a key it does not take with a TypeError naming it and the nearest key, and
 * touches nothing.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import {
  acquireMigrationLock,
  inspectState,
  migrateState,
  openState,
  rehearseUpgrade,
  shippedCatalog,
  writeFixture,
  type MigrateStateOptions,
  type OpenStateOptions,
  type RehearseUpgradeOptions,
  type WriteFixtureOptions,
} from "../../src/state/index.js";
import { releaseTable } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";

async function typeError(run: () => unknown, ...parts: string[]): Promise<void> {
  let error: unknown;
  try {
    await run();
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(TypeError);
  for (const part of parts) expect((error as Error).message).toContain(part);
}

function sha256Of(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

test("rehearseUpgrade and migrateState with dryrun for dryRun are refused, and the database is left as it was", async () => {
  const dir = tempDir("scc-state-unknown-");
  const [oldest, next] = releaseTable.adjacentPairs()[0]!;
  const path = join(dir, "state.sqlite");
  await writeFixture({ out: path, level: oldest.stateLevel, rows: 20 });
  const before = sha256Of(path);
  const files = readdirSync(dir);
  await typeError(
    () => rehearseUpgrade({ path, from: oldest.release, to: next.release, dryrun: true } as unknown as RehearseUpgradeOptions),
    'rehearseUpgrade has no option "dryrun" (did you mean "dryRun"?)',
  );
  await typeError(() => migrateState({ path, direction: "up", dryrun: true } as unknown as MigrateStateOptions), 'migrateState has no option "dryrun" (did you mean "dryRun"?)');
  expect(sha256Of(path)).toBe(before);
  expect(readdirSync(dir)).toEqual(files);
});

test("openState, writeFixture, inspectState and acquireMigrationLock refuse a key they do not take, creating nothing", async () => {
  const dir = tempDir("scc-state-unknown-");
  const path = join(dir, "state.sqlite");
  await typeError(() => openState({ path, readonly: true } as unknown as OpenStateOptions), 'openState has no option "readonly" (did you mean "readOnly"?)');
  await typeError(() => writeFixture({ out: path, level: 1, row: 5 } as unknown as WriteFixtureOptions), 'writeFixture has no option "row" (did you mean "rows"?)');
  expect(readdirSync(dir)).toEqual([]);
  await writeFixture({ out: path, level: 1, rows: 5 });
  await typeError(() => inspectState(path, shippedCatalog(), { workdir: dir } as never), 'inspectState has no option "workdir" (did you mean "workDir"?)');
  await typeError(() => acquireMigrationLock(path, { timeout: 5 } as never), 'acquireMigrationLock has no option "timeout" (did you mean "timeoutMs"?)');
  expect(readdirSync(dir)).toEqual(["state.sqlite"]);
});
