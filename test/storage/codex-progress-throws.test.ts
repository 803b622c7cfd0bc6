/**
 * `put(body, { progress })` calls the caller's progress function from the socket's write callback.
 * One that threw (an application's progress bar gone with its view, say) threw there: an uncaught
 * exception per slice, which ends the process of an app without a handler, and the put itself hung
 * until its headers deadline (the node waited for the rest). The caller's error now ends the put,
 * passed through unchanged as a failing body's is, and nothing is stored.
 */
import { describe, expect, test } from "vitest";
import { codexSetup, pattern } from "./codex-fixtures.js";

describe("Codex backend: a progress function that throws", () => {
  test("put rejects with the caller's own error at once; no uncaught exception, nothing stored, the backend still usable", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const { server, backend } = await codexSetup({ requestTimeoutMs: 20_000 });
      const boom = new Error("progress view is gone");
      const started = performance.now();
      const outcome = await backend.put(pattern(300_000), { progress: () => { throw boom; } }).then(
        (cid) => ({ cid }),
        (error: unknown) => ({ error }),
      );
      expect(outcome).toEqual({ error: boom });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(server.stats.uploads).toBe(0);
      expect(await backend.has(await backend.put(pattern(1000)))).toBe(true);
      // Give a stray write callback its turn before looking.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
