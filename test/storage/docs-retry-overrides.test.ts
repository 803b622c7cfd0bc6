/**
 * docs/storage.md (Retries): `retry` overrides replace the policy's fields they give; the others
 * keep the defaults of the table. A field given as `undefined` (an application spreading its own
 * optional settings: `{ attemptTimeoutMs: config.timeoutMs }`, which the option's type allows) is
 * not given, as every other client option reads `undefined`. It was taken as a value: start()
 * refused with "retry policy attemptTimeoutMs must be a non-negative number …, not undefined".
 */
import { describe, expect, test } from "vitest";
import { DEFAULT_RETRY_POLICY, LIGHT_RETRY_POLICY, type RetryPolicy } from "../../src/storage/index.js";
import { resolveRetryPolicy } from "../../src/storage/retry/index.js";
import { startClient } from "./support/client-fixture.js";

describe("retry overrides given as undefined", () => {
  test("keep the policy's own value, field by field", () => {
    const overrides: Partial<RetryPolicy> = { maxAttempts: undefined, attemptTimeoutMs: 5_000, deadlineMs: undefined };
    expect(resolveRetryPolicy(DEFAULT_RETRY_POLICY, overrides)).toEqual({ ...DEFAULT_RETRY_POLICY, attemptTimeoutMs: 5_000 });
    expect(resolveRetryPolicy(LIGHT_RETRY_POLICY, { maxDelayMs: undefined })).toEqual(LIGHT_RETRY_POLICY);
  });

  test("a client started with them starts and shares", async () => {
    const { client } = await startClient({ retry: { maxAttempts: undefined, baseDelayMs: 5 } });
    await expect(client.share({ bytes: Buffer.from("hello"), fileName: "a.txt" }).done).resolves.toMatchObject({ protocol: 3 });
  });

  test("a value out of range is still refused (a RangeError naming it)", () => {
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, { maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, { attemptTimeoutMs: Number.NaN })).toThrow(RangeError);
  });
});
