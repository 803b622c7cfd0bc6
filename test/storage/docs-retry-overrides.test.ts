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

  test("a value written as text (a settings file's) is refused saying it was text, not as the number it reads as", async () => {
    // Before: "retry policy attemptTimeoutMs must be a non-negative number …, not 60000", a value in range to the reader.
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, { attemptTimeoutMs: "60000" as unknown as number })).toThrow(
      new RangeError('retry policy attemptTimeoutMs must be a non-negative number (maxAttempts a whole number ≥ 1), not the string "60000"'),
    );
    await expect(startClient({ retry: { maxAttempts: "3" as unknown as number } })).rejects.toThrow(/retry policy maxAttempts .*, not the string "3"$/);
    // A number reads as the number.
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, { deadlineMs: 2 ** 31 })).toThrow(/deadlineMs must be 1 to 2147483647 ms \(about 24\.8 days\), not 2147483648$/);
  });
});
