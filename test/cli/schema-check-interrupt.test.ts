import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** Whether process `pid` still runs (a zombie of an ended child counts as gone once reaped by init). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("status-compat schema check stopped while buf runs", () => {
  test.each(["SIGTERM", "SIGINT"] as const)(
    "%s (a cancelled CI job; Ctrl-C): buf is stopped too, one line says so, the process ends by the signal; the process died alone and buf ran on, orphaned",
    async (signal) => {
      const dir = tempDir("scc-schema-interrupt-");
      const pidFile = join(dir, "buf.pid");
      // A buf that hangs: its pid is the sleep's (exec), so the test can see whether it outlives the CLI.
      const buf = join(dir, "buf");
      writeFileSync(buf, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 30\n`);
      chmodSync(buf, 0o755);
      onTestFinished(() => {
        if (existsSync(pidFile)) {
          try {
            process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
          } catch {
            // already gone
          }
        }
      });
      const cli = startCli(["schema", "check", "--from", "1", "--to", "2", "--buf", buf]);
      const deadline = Date.now() + 60_000;
      while (!(existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "") && Date.now() < deadline) await sleep(20);
      expect(existsSync(pidFile), `buf never started: ${cli.output.stderr}`).toBe(true);
      const pid = Number(readFileSync(pidFile, "utf8"));
      expect(running(pid)).toBe(true);
      cli.child.kill(signal);
      const ended = await cli.closed;
      expect(ended, cli.output.stderr).toEqual({ code: null, signal });
      expect(cli.output.stdout).toBe("");
      expect(cli.output.stderr.trimEnd().split("\n").at(-1)).toBe(`status-compat schema check: interrupted (${signal}); buf was stopped, nothing was checked`);
      const gone = Date.now() + 10_000;
      while (running(pid) && Date.now() < gone) await sleep(20);
      expect(running(pid), "buf still runs").toBe(false);
    },
    120_000,
  );
});
