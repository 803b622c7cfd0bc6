/**
 * A signal that fires once the last migration of a run has run, before its commit (a Ctrl-C
 * during the last migration's statements or the wait for the preflight's verdict), must roll the
 * run back like one between two migrations: the run only looked at the signal before each
 * migration, so it committed, and `upgrade` (without --dry-run) upgraded the real file after a
 * Ctrl-C though docs/state.md says a signal during the real upgrade rolls it back.
 */
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { inspectState, migrateState, rehearseUpgrade, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

const LAST = "0003_level3_codex_first";

/** A logger that calls `onApplied` for each "migration applied" line, with the migration's name. */
function loggerCalling(onApplied: (migration: string) => void): ReturnType<typeof createLogger> {
  return createLogger({
    level: "info",
    destination: {
      write(chunk: string) {
        const line = JSON.parse(chunk) as { msg: string; migration?: string };
        if (line.msg.startsWith("migration applied") && line.migration !== undefined) onApplied(line.migration);
      },
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<StateError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(StateError);
  return outcome as StateError;
}

describe("a signal after the last migration of a run, before its commit", () => {
  test("migrateState: E_STATE_ABORTED, rolled back, the file keeps its level and its bytes", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const controller = new AbortController();
    const logger = loggerCalling((m) => {
      if (m === LAST) controller.abort(new Error("Ctrl-C"));
    });
    const e = await refusal(migrateState({ path, direction: "up", logger, signal: controller.signal }));
    expect(e.code).toBe("E_STATE_ABORTED");
    expect(inspectState(path)).toMatchObject({ level: 1, problem: undefined });
    expect(sha256File(path)).toBe(hash);
  });

  test("upgrade without a dry run: a signal during the real upgrade's last migration rolls it back (the file was upgraded and a report returned)", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const controller = new AbortController();
    // The rehearsal's own upgrade of its copy applies LAST first; the real file's upgrade is the second.
    let seen = 0;
    const logger = loggerCalling((m) => {
      if (m === LAST && ++seen === 2) controller.abort(new Error("Ctrl-C"));
    });
    const e = await refusal(rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", dryRun: false, workDir: tempDir(), logger, signal: controller.signal }));
    expect(seen).toBe(2);
    expect(e.code).toBe("E_STATE_ABORTED");
    expect(inspectState(path)).toMatchObject({ level: 1, problem: undefined });
    expect(sha256File(path)).toBe(hash);
  });
});
