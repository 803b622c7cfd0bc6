import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";

const PROBE = fileURLToPath(new URL("./support/listener-throw-probe.ts", import.meta.url));

describe("job listeners that throw", () => {
  test("a throwing progress or state listener neither fails nor wedges the upload: it finishes, the journal says done, the listener's error surfaces as its own", async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", PROBE], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1) as string)).toEqual({
      outcome: "resolved",
      state: "done",
      uncaught: ["ui bug on done", "ui bug on progress"],
    });
  });
});
