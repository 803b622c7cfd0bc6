/**
 * `--metrics FILE` and `matrix --out FILE` are written beside FILE and renamed onto it, so a refused
 * write leaves no part of one. That is for a regular file: FILE may also be a pipe a CI step reads
 * the metrics from (or /dev/stdout, a terminal), or a link to the file a scraper watches. The
 * rename replaced the pipe (its reader waited for ever) and the link (the file it named kept the
 * old metrics) with a regular file of their own.
 */
import { execFileSync } from "node:child_process";
import { closeSync, constants, createReadStream, lstatSync, openSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

function putSetup(): { dir: string; path: string; home: string } {
  const dir = tempDir("scc-cli-side-output-");
  const path = join(dir, "photo.jpg");
  writeFileSync(path, randomBytes(20_000));
  return { dir, path, home: join(dir, "home") };
}

describe("a side output (--metrics, --out) that is not a regular file", () => {
  test("file put --metrics to a pipe: its reader gets the metrics and the pipe stays a pipe", async () => {
    const { dir, path, home } = putSetup();
    const fifo = join(dir, "metrics.fifo");
    execFileSync("mkfifo", [fifo]);
    // A write end of the test's own (O_RDWR never waits on Linux) lets the reader open at once, and
    // its close below ends the reader whatever the command did (a renamed-over pipe gets no writer).
    const held = openSync(fifo, constants.O_RDWR);
    let read = "";
    const reader = new Promise<void>((resolve, reject) => {
      const stream = createReadStream(fifo, { encoding: "utf8" });
      stream.on("data", (chunk) => (read += String(chunk)));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    let put;
    try {
      put = await runCli(["file", "put", path, "--home", home, "--metrics", fifo], { timeoutMs: 30_000 });
    } finally {
      closeSync(held);
    }
    await reader;
    expect(put.code, put.stderr).toBe(0);
    expect(lstatSync(fifo).isFIFO(), "the pipe was replaced by a file").toBe(true);
    expect(read).toMatch(/^# TYPE status_compat_/m);
  }, 60_000);

  test("file put --metrics to a link: the file it names gets the metrics and the link stays a link", async () => {
    const { dir, path, home } = putSetup();
    mkdirSync(join(dir, "textfiles"));
    const real = join(dir, "textfiles", "status.prom");
    writeFileSync(real, "# an earlier run's metrics\n");
    const link = join(dir, "metrics.prom");
    symlinkSync(real, link);
    const put = await runCli(["file", "put", path, "--home", home, "--metrics", link], { timeoutMs: 30_000 });
    expect(put.code, put.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink(), "the link was replaced by a file").toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, "utf8")).toMatch(/^# TYPE status_compat_/m);
  }, 60_000);

  test("matrix --out to a link: the file it names gets the report and the link stays a link", async () => {
    const dir = tempDir("scc-cli-side-output-");
    mkdirSync(join(dir, "reports"));
    const real = join(dir, "reports", "matrix.json");
    writeFileSync(real, "{}");
    const link = join(dir, "matrix.json");
    symlinkSync(real, link);
    const r = await runCli(["matrix", "--only", "negotiate", "--format", "json", "--out", link], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink(), "the link was replaced by a file").toBe(true);
    expect(JSON.parse(readFileSync(real, "utf8"))).toMatchObject({ ok: true });
  }, 60_000);
});
