import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess, startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

describe("status-compat matrix --out", () => {
  test("--out in a missing folder, or naming a folder, is a usage error (exit 2) before the matrix runs; it ran every cell, then failed as an internal error (exit 70) with a stack", async () => {
    const dir = tempDir("scc-cli-matrix-");
    mkdirSync(join(dir, "reports"));
    for (const out of [join(dir, "missing", "report.json"), join(dir, "reports")]) {
      const r = await runCliInProcess(["matrix", "--only", "wire", "--json", "--out", out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("error[E_USAGE]");
      expect(r.stderr).not.toContain("internal error");
      expect(r.stdout).toBe("");
    }
  });

  test("--out '' (a CI script's unset variable) is a usage error saying it was empty; it said '--out <the working folder> is a folder', a folder the user never named", async () => {
    const r = await runCliInProcess(["matrix", "--only", "wire", "--out", ""]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("error[E_USAGE]: matrix: --out needs a file (it was empty); leave it out for the report on stdout. Nothing was run.");
    expect(r.stdout).toBe("");
  });
});

describe("status-compat matrix / schema check: STATUS_COMPAT_LOG_LEVEL", () => {
  test("debug shows each matrix cell and each buf run as pino lines on the command's stderr, stdout stays the report; the level was ignored (matrix fixed at warn, schema check silent)", async () => {
    const env = { ...process.env, STATUS_COMPAT_LOG_LEVEL: "debug" };
    const matrix = await runCliInProcess(["matrix", "--only", "wire", "--json"], env);
    expect(matrix.code, matrix.stderr).toBe(0);
    expect(JSON.parse(matrix.stdout)).toMatchObject({ columns: ["wire"] });
    const cells = matrix.stderr.trimEnd().split("\n").filter((line) => line.includes('"matrix cell"'));
    expect(cells.length, matrix.stderr).toBeGreaterThan(0);
    for (const line of cells) expect(JSON.parse(line)).toMatchObject({ level: 20, column: "wire", status: "pass" });

    const schema = await runCliInProcess(["schema", "check", "--from", "1", "--to", "2", "--json"], env);
    expect(schema.code, schema.stderr).toBe(0);
    expect(JSON.parse(schema.stdout)).toMatchObject({ ok: true });
    expect(schema.stderr).toContain('"buf breaking"');
  });
});

describe("status-compat matrix --json with --format", () => {
  test("--json with another --format is a usage error (exit 2); --json won silently, so '--format html --json' wrote JSON where HTML was asked for", async () => {
    const clash = await runCliInProcess(["matrix", "--only", "wire", "--format", "html", "--json"]);
    expect(clash.code, clash.stderr).toBe(2);
    expect(clash.stderr).toMatch(/error\[E_USAGE\]: matrix: --json is --format json/);
    expect(clash.stdout).toBe("");
    const both = await runCliInProcess(["matrix", "--only", "wire", "--format", "json", "--json"]);
    expect(both.code, both.stderr).toBe(0);
    expect(JSON.parse(both.stdout)).toMatchObject({ columns: ["wire"] });
  });
});

describe("status-compat matrix: Ctrl-C", () => {
  test("SIGINT while the storage cells run: one line on stderr, ends by SIGINT (130), the work folder (state databases, stores) removed; it stayed in the temp folder, megabytes per interrupted run, and the process died without a word", async () => {
    const tmp = tempDir("scc-cli-matrix-tmp-");
    const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), "matrix"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => void child.kill("SIGKILL"));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.stdout.resume();
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    const work = (): string[] => readdirSync(tmp).filter((name) => name.startsWith("status-compat-matrix-"));
    const storageCellRunning = (): boolean => work().some((name) => readdirSync(join(tmp, name)).some((entry) => entry.startsWith("storage-")));
    const deadline = Date.now() + 30_000;
    while (!storageCellRunning() && Date.now() < deadline) await sleep(10);
    expect(storageCellRunning(), stderr).toBe(true);
    child.kill("SIGINT");
    const ended = await closed;
    expect(stderr.trimEnd().split("\n").at(-1)).toMatch(/^status-compat matrix: interrupted \(SIGINT\); nothing was reported/);
    expect(ended, stderr).toEqual({ code: null, signal: "SIGINT" });
    expect(work()).toEqual([]);
    expect(existsSync(tmp)).toBe(true);
  }, 60_000);
});

describe("status-compat matrix --out that cannot be written at the end", () => {
  test("a --out folder removed while the matrix runs: the report goes to stdout instead, a line says why, and the status is 5, the local disk refused (it was the verdict's 0, and a CI job archiving the file lost it without failing; before that, exit 70 with the report lost)", async () => {
    const dir = tempDir("scc-cli-matrix-out-");
    const reports = join(dir, "reports");
    mkdirSync(reports);
    const out = join(reports, "report.json");
    const cli = startCli(["matrix", "--only", "wire,storage", "--json", "--out", out], { STATUS_COMPAT_LOG_LEVEL: "debug" });
    // The wire cells take milliseconds, the storage ones seconds: the folder goes while those run.
    void cli.stderrHas('"column":"wire"').then(() => rmSync(reports, { recursive: true, force: true }));
    const ended = await cli.closed;
    expect(ended, cli.output.stderr.slice(-2000)).toEqual({ code: 5, signal: null });
    expect(cli.output.stderr).not.toContain("internal error");
    expect(cli.output.stderr).toMatch(/could not write --out .*report\.json \(ENOENT\); the report follows on stdout/);
    expect(JSON.parse(cli.output.stdout)).toMatchObject({ columns: ["wire", "storage"] });
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
