import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { sha256File, siblings } from "../state/support/files.js";
import { sharedFixture } from "../state/support/shared-fixture.js";

// A 0.1.0 file of 200,000 rows (about 100 MiB): big enough that each step after the upgrade (the
// integrity check, the releases' queries, down, the row-by-row comparison) takes a while. Shared
// with the other files that copy the same one (written once).
let fixture: string;
/** Its digest, which each case's copy has before the run (hashing 100 MiB again per case took a third of a second). */
let fixtureHash: string;
beforeAll(async () => {
  fixture = await sharedFixture({ level: 1, rows: 200_000 });
  fixtureHash = sha256File(fixture);
}, 60_000);

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `upgrade --dry-run` as a real process and sends it `signal` once it logged the check `after`. */
async function interruptAfter(after: string, signal: NodeJS.Signals, path: string, work: string): Promise<Ended> {
  const cli = startCli(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], { STATUS_COMPAT_LOG_LEVEL: "info" });
  void cli.stderrHas(`"check":"${after}"`).then(() => cli.child.kill(signal));
  return { ...(await cli.closed), ...cli.output };
}

describe("status-compat upgrade --dry-run stopped after the upgrade of the copy", () => {
  test.each([
    ["rows", "SIGINT"],
    ["queries:0.3.0", "SIGTERM"],
    ["down-commit", "SIGINT"],
  ] as const)(
    "%s logged, then %s: the process ends by the signal without a report, no copy is left and the original keeps its bytes and mtime; it printed an OK report and exited 0",
    async (after, signal) => {
      const dir = tempDir();
      const path = join(dir, "state.sqlite");
      copyFileSync(fixture, path);
      const hash = fixtureHash;
      const mtime = statSync(path).mtimeMs;
      const files = siblings(path);
      const work = join(dir, "work");
      mkdirSync(work);
      const ended = await interruptAfter(after, signal, path, work);
      expect({ code: ended.code, signal: ended.signal }, ended.stderr.slice(-2000)).toEqual({ code: null, signal });
      expect(ended.stdout).toBe("");
      expect(ended.stderr.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`^status-compat upgrade: interrupted \\(${signal}\\); the rehearsal copies are removed and .*state\\.sqlite was not changed`));
      expect(readdirSync(work)).toEqual([]);
      expect(sha256File(path)).toBe(hash);
      expect(statSync(path).mtimeMs).toBe(mtime);
      expect(siblings(path)).toEqual(files);
    },
    60_000,
  );
});

describe("status-compat upgrade --dry-run stopped twice", () => {
  test("Ctrl-C once the rows line is logged, and again while the integrity check of the copy still runs: the process ends by SIGINT at once, no copy is left and the original keeps its bytes; the second Ctrl-C killed it with the copy on disk", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    copyFileSync(fixture, path);
    const hash = fixtureHash;
    const files = siblings(path);
    const work = join(dir, "work");
    mkdirSync(work);
    const cli = startCli(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], { STATUS_COMPAT_LOG_LEVEL: "info" });
    void cli.stderrHas('"check":"rows"').then(() => {
      cli.child.kill("SIGINT");
      // The first stops the rehearsal at its next step, which then waits for the integrity check's thread.
      setTimeout(() => cli.child.kill("SIGINT"), 100);
    });
    const ended = await cli.closed;
    expect({ code: ended.code, signal: ended.signal }, cli.output.stderr.slice(-2000)).toEqual({ code: null, signal: "SIGINT" });
    expect(cli.output.stdout).toBe("");
    expect(readdirSync(work)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
    // Ended at once, the rehearsal's connection to the original may leave what any killed reader
    // leaves: an empty -wal (nothing written) and the -shm index.
    const left = siblings(path).filter((f) => !files.includes(f));
    expect(left.filter((f) => f !== "state.sqlite-wal" && f !== "state.sqlite-shm")).toEqual([]);
    if (left.includes("state.sqlite-wal")) expect(statSync(`${path}-wal`).size).toBe(0);
  }, 60_000);
});
