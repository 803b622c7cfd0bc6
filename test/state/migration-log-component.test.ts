/**
 * Every module's log lines carry a `component` (storage.client, bridge.publisher, …), so an operator
 * filters by it; the migration runner's lines had none, and a filter on component dropped them all.
 * They are `state.migration` now: lines of openState's and migrateState's runs, their warnings and
 * the wait for another process's migration.
 */
import { join } from "node:path";
import { expect, onTestFinished, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { acquireMigrationLock, migrateState, openState } from "../../src/state/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

test("migrateState's lines (up, then a down that discards) each carry component state.migration", async () => {
  const capture = new LogCapture();
  const path = join(tempDir(), "state.db");
  const logger = createLogger({ level: "info", destination: capture });
  await migrateState({ path, direction: "up", logger });
  await migrateState({ path, direction: "down", to: 0, discardData: true, discardUnfinishedJobs: true, logger });
  const lines = capture.lines();
  expect(lines.filter((l) => String(l["msg"]).startsWith("migration applied"))).toHaveLength(3);
  expect(lines.filter((l) => String(l["msg"]).startsWith("migration reverted"))).toHaveLength(3);
  expect(lines.map((l) => [l["msg"], l["component"]]).filter(([, c]) => c !== "state.migration")).toEqual([]);
});

test("openState's run carries it too, its component written once", async () => {
  const capture = new LogCapture();
  const path = copyFixture(1, tempDir());
  const state = await openState({ path, logger: createLogger({ level: "info", destination: capture }) });
  state.close();
  const applied = capture.text.split("\n").filter((l) => l.includes('"migration applied'));
  expect(applied).toHaveLength(2);
  for (const line of applied) expect(line.match(/"component":/g), line).toHaveLength(1);
  expect(capture.lines().map((l) => l["component"])).toEqual(["state.migration", "state.migration"]);
});

/** A capture that calls `onText` with everything written so far, after each write. */
class WatchedCapture extends LogCapture {
  constructor(private readonly onText: (text: string) => void) {
    super();
  }

  override _write(chunk: Buffer, enc: string, done: () => void): void {
    super._write(chunk, enc, () => {
      this.onText(this.text);
      done();
    });
  }
}

test("the wait for another process's migration lock says so under state.migration", async () => {
  const path = copyFixture(1, tempDir());
  // A first run that commits leaves the sidecar, which a later run waits for.
  await migrateState({ path, direction: "up", to: "0002_level2_dual_path" });
  const held = await acquireMigrationLock(path, { timeoutMs: 0 });
  onTestFinished(() => held.release());
  // The holder lets go once the waiting line is written: nothing is timed.
  const capture = new WatchedCapture((text) => text.includes("waiting for another process to finish migrating") && held.release());
  const result = await migrateState({ path, direction: "up", lockTimeoutMs: 60_000, logger: createLogger({ level: "info", destination: capture }) });
  expect(result.after.level).toBe(3);
  const waiting = capture.lines().find((l) => l["msg"] === "waiting for another process to finish migrating");
  expect(waiting).toMatchObject({ component: "state.migration" });
});
