import { spawn } from "node:child_process";
import { chmodSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { Writable } from "node:stream";
import { createLogger } from "../../src/obs/index.js";
import { clientLockPathOf, LockFile, rehearseUpgrade } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";
import { nodeArgs } from "../support/node-args.js";

/**
 * `upgrade --dry-run` is how a release engineer learns whether `upgrade` will work. It said
 * "Verdict: OK … safe to run" on a database an app held (the real run then failed with
 * E_STATE_LOCKED after rehearsing) and on a read-only one (the real run refused it at once,
 * E_STATE_READ_ONLY). The rehearsal must say what the real run will meet, with the same code and
 * exit status.
 */
interface Report {
  verdict: string;
  summary: string;
  checks: { id: string; status: string; detail?: string; code?: string }[];
}

/** A log destination that calls `onLine` with each line as it is written. */
class LineHook extends Writable {
  constructor(private readonly onLine: (line: string) => void) {
    super();
  }

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString("utf8").split("\n")) if (line !== "") this.onLine(line);
    done();
  }
}

/** Another process (an app) holding the storage-client lock of `path` until the test ends. */
async function appHolding(path: string): Promise<import("node:child_process").ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs("test/cli/support/hold-client-lock.ts"), path], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  onTestFinished(() => void child.kill("SIGKILL"));
  const line = await new Promise<string>((resolve) => {
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("close", () => resolve(out.trim() || "exited"));
  });
  expect(line).toBe("locked");
  return child;
}

/** Whether another process holds the client lock of `path` (a try from this process, let go at once). */
function heldByAnother(path: string): boolean {
  const probe = LockFile.open(clientLockPathOf(path));
  try {
    return !probe.tryTake();
  } finally {
    probe.release();
  }
}

function upgrade(path: string, dryRun: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, ...(dryRun ? ["--dry-run"] : []), "--json", "--work-dir", tempDir()]);
}

describe("upgrade --dry-run predicts what the real upgrade meets", () => {
  test("an app holds the database: the dry run fails its apply check with E_STATE_LOCKED and exits 4, as the real run then does; every other check passed", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const app = await appHolding(path);
    expect(heldByAnother(path), "the app's lock before the dry run").toBe(true);
    const dry = await upgrade(path, true);
    expect(heldByAnother(path), `the app's lock after the dry run (app exit ${app.exitCode} ${app.signalCode}; ${readdirSync(dirname(path)).join(" ")})`).toBe(true);
    expect(dry.code, dry.stderr + dry.stdout.slice(-1500)).toBe(4);
    const report = JSON.parse(dry.stdout) as Report;
    expect(report.verdict).toBe("failed");
    expect(report.summary).toBe("every check passed on the copy: the upgrade 0.1.0 -> 0.3.0 itself is safe, but the real upgrade of this file would be refused (E_STATE_LOCKED: see the apply line); the original file was not written");
    expect(report.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.status, c.code])).toEqual([["apply", "failed", "E_STATE_LOCKED"]]);
    expect(report.checks.find((c) => c.id === "apply")?.detail).toMatch(/^E_STATE_LOCKED: a storage client is using /);
    expect(dry.stderr).toMatch(/^status-compat upgrade: every check passed on the copy; the real upgrade would be refused by the database: E_STATE_LOCKED: /m);
    expect(sha256File(path)).toBe(hash);

    // The real run refuses before rehearsing: it rehearsed for minutes on a large file first, then failed its apply line.
    const real = await upgrade(path, false);
    expect(real.code, real.stderr).toBe(4);
    const refused = JSON.parse(real.stdout) as { path: string; error: { code: string; message: string }; checks?: unknown };
    expect(refused).toMatchObject({ path, error: { code: "E_STATE_LOCKED" } });
    expect(refused.error.message).toMatch(/^a storage client is using /);
    expect(refused.checks).toBeUndefined();
    expect(real.stderr).not.toMatch(/copies made with the SQLite backup API/);
    expect(sha256File(path)).toBe(hash);
    expect(heldByAnother(path)).toBe(true);
  }, 120_000);

  test("an app that starts during the real upgrade's rehearsal: its apply step still refuses, E_STATE_LOCKED, nothing written", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    // The app takes the client lock (from this process) when the rehearsal's copy line is logged: a barrier, not a timing.
    let app: LockFile | undefined;
    onTestFinished(() => app?.release());
    const logger = createLogger({
      level: "info",
      destination: new LineHook((line) => {
        if (app === undefined && line.includes('"check":"copy"')) {
          app = LockFile.open(clientLockPathOf(path));
          expect(app.tryTake()).toBe(true);
        }
      }),
    });
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", dryRun: false, workDir: tempDir(), logger });
    expect(app).toBeDefined();
    expect(report.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.code])).toEqual([["apply", "E_STATE_LOCKED"]]);
    expect(report.checks.map((c) => c.id)).toContain("down-data");
    expect(sha256File(path)).toBe(hash);
  }, 120_000);

  test("a read-only database: the dry run rehearses on its copy, then fails its apply check with E_STATE_READ_ONLY and exits 4, the real run's refusal", async () => {
    const path = copyFixture(1, tempDir());
    chmodSync(path, 0o444);
    const hash = sha256File(path);
    const dry = await upgrade(path, true);
    expect(dry.code, dry.stderr).toBe(4);
    const report = JSON.parse(dry.stdout) as Report;
    expect(report.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.code])).toEqual([["apply", "E_STATE_READ_ONLY"]]);
    expect(report.checks.map((c) => c.id)).toContain("down-data");
    expect(report.checks.find((c) => c.id === "apply")?.detail).toBe(`E_STATE_READ_ONLY: ${path} is read-only; upgrading needs to write it (a dry run only reads it)`);
    expect(sha256File(path)).toBe(hash);

    const real = await upgrade(path, false);
    expect(real.code).toBe(4);
    expect(real.stderr).toContain(`error[E_STATE_READ_ONLY]: ${path} is read-only; upgrading needs to write it (a dry run only reads it)`);
  }, 120_000);
});
