/**
 * `put(body, { progress })` is documented to call progress "never after the call settled"
 * (docs/codex-backend.md). A put the node answered early with an error (a 500, a proxy's 413 before
 * it read the body) rejected while a slice's write was still under way, and that write's callback
 * then reported progress for a call that had already failed (an app's progress bar moved on after
 * the error was shown). A released exchange reports nothing any more.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { codexSetup, storageError } from "./codex-fixtures.js";

describe("upload progress after a put was answered with an error", () => {
  test.each([
    [500, "E_BACKEND_HTTP"],
    [413, "E_BACKEND_REJECTED"],
  ] as const)("an early %d: no progress once the put rejected", async (status, code) => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
    server.inject("upload", { kind: "status", status, body: "refused", early: true });
    let settled = false;
    let calls = 0;
    let late = 0;
    const put = backend.put(Buffer.alloc(16 * 1024 * 1024, 1), {
      progress: () => {
        calls += 1;
        if (settled) late += 1;
      },
    });
    await storageError(
      put.finally(() => (settled = true)),
      code,
    );
    await sleep(300);
    expect(calls, "the socket took some of the body before the answer").toBeGreaterThan(0);
    expect(late, "progress calls after the put rejected").toBe(0);
  });
});
