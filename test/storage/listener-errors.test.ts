import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runScript } from "../support/script-child.js";

const PROBE = fileURLToPath(new URL("./support/listener-throw-probe.ts", import.meta.url));

describe("job listeners that throw", () => {
  test("a throwing progress or state listener neither fails nor wedges the upload: it finishes, the journal says done, the listener's error surfaces as its own", async () => {
    const result = await runScript(PROBE);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1) as string)).toEqual({
      outcome: "resolved",
      state: "done",
      uncaught: ["ui bug on done", "ui bug on progress"],
    });
  });
});
