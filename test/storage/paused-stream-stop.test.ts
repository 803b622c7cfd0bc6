/**
 * stop() leaves no timer behind (CONTRIBUTING: a closed component leaves no timer, socket or file
 * handle), also when a fetchStream's consumer holds a chunk and never reads on or returns the
 * stream: its deadline timer kept the stopped client's process alive for up to `deadlineMs`
 * (30 minutes by default).
 */
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runScript } from "../support/script-child.js";

describe("a stream paused in its consumer's hand when the client stops", () => {
  test("the process ends by itself, nothing left active", async () => {
    const probe = fileURLToPath(new URL("./support/paused-stream-exit-probe.ts", import.meta.url));
    const result = await runScript(probe, [], 20_000);
    expect(result.stderr).toBe("");
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1) as string)).toEqual({ held: true, active: [] });
  });
});
