import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runScript } from "../support/script-child.js";

const CHILD = fileURLToPath(new URL("./support/offload-lifetime-child.ts", import.meta.url));

describe("the sha256 worker and the process's life", () => {
  test("a hash pending on the worker keeps the process alive until it answers, and an idle worker never keeps it alive (no close needed to exit); a close while an answer is on its way finishes", async () => {
    const result = await runScript(CHILD, [], 15_000);
    expect(result.stderr).toBe("");
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ oneShot: true, running: true, closed: true });
  });
});
