import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { copyFileSync } from "node:fs";
import { acquireMigrationLock } from "../../src/state/index.js";
import { runCliInProcess, startCli, type StartedCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "../state/support/files.js";
import { sharedFixture } from "../state/support/shared-fixture.js";

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Sends `signal` once stderr holds `when`; how the process ended. */
async function interruptWhen(cli: StartedCli, when: string, signal: NodeJS.Signals): Promise<Ended> {
  void cli.stderrHas(when).then(() => cli.child.kill(signal));
  return cli.closed;
}

async function levelOf(path: string): Promise<string> {
  const status = await runCliInProcess(["migrate", "status", "--db", path]);
  return `${/state level +(\d+)/.exec(status.stdout)?.[1] ?? "?"} ${/status +(\S+)/.exec(status.stdout)?.[1] ?? "?"}`;
}

describe("status-compat migrate up/down stopped by a signal while waiting for another process's migration", () => {
  test.each([
    ["up", 1, "SIGINT", []],
    ["down", 3, "SIGTERM", ["--discard-data"]],
  ] as const)(
    "%s of a level-%i file, %s while waiting for the migration lock: one line saying so, the process ends by the signal, the file keeps its bytes and nothing is left beside it; the signal's default ended it without a word",
    async (direction, level, signal, flags) => {
      const path = copyFixture(level, tempDir());
      const hash = sha256File(path);
      const other = await acquireMigrationLock(path);
      const files = siblings(path);
      let ended: Ended;
      const cli = startCli(["migrate", direction, "--db", path, ...flags], { STATUS_COMPAT_LOG_LEVEL: "info" });
      try {
        ended = await interruptWhen(cli, "waiting for another process to finish migrating", signal);
      } finally {
        other.release();
      }
      expect(ended, cli.output.stderr.slice(-2000)).toEqual({ code: null, signal });
      expect(cli.output.stdout).toBe("");
      expect(cli.output.stderr.trimEnd().split("\n").at(-1)).toBe(
        `status-compat migrate: interrupted (${signal}) before the commit; ${path} keeps its level`,
      );
      expect(sha256File(path)).toBe(hash);
      expect(siblings(path)).toEqual(files);
      expect(await levelOf(path)).toBe(`${level} clean`);
    },
    120_000,
  );
});

describe("status-compat migrate up stopped by Ctrl-C half-way through its migrations", () => {
  // A 0.1.0 file of 200,000 rows: each migration of it takes a while, so a signal after the first
  // one's log line comes well before the run's commit. Shared with the other files that copy it.
  let fixture: string;
  beforeAll(async () => {
    fixture = await sharedFixture({ level: 1, rows: 200_000 });
  }, 60_000);

  test("SIGINT once the first migration is logged: the run rolls back, one line says so, the process ends by SIGINT, the file is still at level 1 and clean, and no -wal is left; the process died at once without a word", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    copyFileSync(fixture, path);
    const cli = startCli(["migrate", "up", "--db", path], { STATUS_COMPAT_LOG_LEVEL: "info" });
    const ended = await interruptWhen(cli, "migration applied (commits with the run)", "SIGINT");
    expect(ended, cli.output.stderr.slice(-2000)).toEqual({ code: null, signal: "SIGINT" });
    expect(cli.output.stdout).toBe("");
    expect(cli.output.stderr.trimEnd().split("\n").at(-1)).toBe(`status-compat migrate: interrupted (SIGINT) before the commit; ${path} keeps its level`);
    expect(siblings(path).filter((f) => f.endsWith("-wal") || f.endsWith("-journal"))).toEqual([]);
    expect(await levelOf(path)).toBe("1 clean");
  }, 120_000);
});
