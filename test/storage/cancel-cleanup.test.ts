import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runScript, type ScriptResult } from "../support/script-child.js";

const PROBE = fileURLToPath(new URL("./support/cancel-stop-probe.ts", import.meta.url));

function runProbe(mode: "stop" | "cancel"): Promise<ScriptResult> {
  return runScript(PROBE, [mode]);
}

describe("work that meets a stopping client", () => {
  test("downloads asked for right before stop(): none starts on the stopping client (no unhandled rejection), all stay queued to resume", async () => {
    const result = await runProbe("stop");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1) as string)).toEqual({ states: ["queued", "queued", "queued"], leftovers: 0 });
  });

  test("cancelling queued downloads right before stop(): the clean-up finishes before the journal closes (no unhandled rejection), the jobs stay cancelled", async () => {
    const result = await runProbe("cancel");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1) as string)).toEqual({ states: ["cancelled", "cancelled", "cancelled"], leftovers: 0 });
  });
});
