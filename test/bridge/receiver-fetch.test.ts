import { describe, expect, onTestFinished, test } from "vitest";
import { sha256 } from "../../src/crypto/index.js";
import { BridgeError } from "../../src/bridge/bridge-error.js";
import { systemBridgeClock } from "../../src/bridge/clock.js";
import { descriptionStoreOn } from "../../src/bridge/description-store-backend.js";
import { fetchDescription, type FetchOutcome } from "../../src/bridge/receiver-fetch.js";
import { createLocalBackend, DEFAULT_RETRY_POLICY, type RetryPolicy } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { faultyStore } from "./description-store-faults.js";
import { ManualClock } from "./manual-clock.js";

/** No waits between attempts (backoff 0), limits far away: nothing here depends on how fast the machine is. */
const INSTANT: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 4, attemptTimeoutMs: 600_000, deadlineMs: 3_600_000 };

/** `bytes` in a real on-disk local store, closed when the test ends. */
async function stored(bytes: Uint8Array) {
  const backend = createLocalBackend({ dir: tempDir() });
  onTestFinished(() => backend.close());
  const store = descriptionStoreOn(backend);
  const cid = await store.put(bytes);
  return { backend, store, target: { cid, size: bytes.byteLength, contentHash: sha256(bytes), what: "community 0x02… clock 3" } };
}

function codeOf(error: unknown): string | undefined {
  return error instanceof BridgeError ? error.code : undefined;
}

describe("fetchDescription: a pointer's description from the store, checked, with the storage layer's retries", () => {
  const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);

  test("a real on-disk store gives the bytes back exactly, in one attempt", async () => {
    const { store, target } = await stored(bytes);
    const seen: FetchOutcome[] = [];
    const got = await fetchDescription(target, { store, policy: INSTANT, clock: systemBridgeClock, signal: new AbortController().signal, onAttempt: (o) => seen.push(o) });
    expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
    expect(seen).toEqual([{ outcome: "ok", attempt: 1 }]);
  });

  test("failed gets are retried until one works", async () => {
    const { store, target } = await stored(bytes);
    const flaky = faultyStore(store, { failGet: (n) => n < 2 });
    const seen: string[] = [];
    const got = await fetchDescription(target, { store: flaky, policy: INSTANT, clock: systemBridgeClock, signal: new AbortController().signal, onAttempt: (o) => seen.push(o.outcome) });
    expect(got.byteLength).toBe(bytes.byteLength);
    expect(seen).toEqual(["retry", "retry", "ok"]);
  });

  test("altered bytes are E_BRIDGE_DESCRIPTION_MISMATCH at once, not retried (the CID names content)", async () => {
    const { store, target } = await stored(bytes);
    const altered = faultyStore(store, { alter: (b) => b.map((x, i) => (i === 1000 ? x ^ 1 : x)) });
    const error = await fetchDescription(target, { store: altered, policy: INSTANT, clock: systemBridgeClock, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe("E_BRIDGE_DESCRIPTION_MISMATCH");
    expect(altered.gets).toBe(1);
    // A pointer naming another size: the store is not even read past it.
    const short = await fetchDescription({ ...target, size: bytes.byteLength - 1 }, { store, policy: INSTANT, clock: systemBridgeClock, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(codeOf(short)).toBe("E_BRIDGE_DESCRIPTION_MISMATCH");
  });

  test("attempts spent: E_BRIDGE_FETCH_FAILED with the last store error as cause", async () => {
    const { store, target } = await stored(bytes);
    const down = faultyStore(store, { failGet: () => true });
    const error = await fetchDescription(target, { store: down, policy: INSTANT, clock: systemBridgeClock, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe("E_BRIDGE_FETCH_FAILED");
    expect((error as BridgeError).details).toMatchObject({ cid: target.cid, lastCode: "E_BACKEND_UNREACHABLE" });
    expect(down.gets).toBe(INSTANT.maxAttempts);
  });

  /** A get that never answers: until its signal fires (hangGet), or at all, its signal ignored (deafGet: a store stuck inside a call). */
  const stuckGets = [
    ["until its signal fires", (when: (n: number) => boolean) => ({ hangGet: when })],
    ["ever, its signal ignored", (when: (n: number) => boolean) => ({ deafGet: when })],
  ] as const;

  test.each(stuckGets)("a get that never answers (%s) is cut by the per-attempt timeout and tried again; the deadline ends it; no timer is left", async (_, stuckWhen) => {
    const { store, target } = await stored(bytes);
    const clock = new ManualClock();
    const policy: RetryPolicy = { ...INSTANT, baseDelayMs: 100, maxDelayMs: 100, attemptTimeoutMs: 1_000, deadlineMs: 10_000, maxAttempts: 100 };
    const hanging = faultyStore(store, stuckWhen((n) => n === 0));
    const first = fetchDescription(target, { store: hanging, policy, clock, signal: new AbortController().signal, random: () => 0.5 });
    await until(() => hanging.gets === 1, "the first get");
    clock.advance(1_000); // the attempt timeout; the backoff is 50 ms (half of 100)
    await until(() => clock.pending >= 2, "the backoff timer");
    clock.advance(50);
    expect((await first).byteLength).toBe(bytes.byteLength);
    expect(clock.pending).toBe(0);

    const always = faultyStore(store, stuckWhen(() => true));
    let settled = false;
    const second = fetchDescription(target, { store: always, policy, clock, signal: new AbortController().signal, random: () => 0.5 })
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    // Every step of a hanging store is a microtask: after one turn of the event loop the fetch waits on a timer again.
    while (!settled) {
      await new Promise((r) => setImmediate(r));
      if (!settled) clock.advanceToNext();
    }
    expect(always.gets).toBeGreaterThanOrEqual(2);
    expect(codeOf(await second)).toBe("E_BRIDGE_FETCH_FAILED");
    expect(clock.pending).toBe(0);
  });

  test.each(stuckGets)("an abort ends it with its reason before the next turn of the event loop, a get never answering (%s), leaving no timer", async (_, stuckWhen) => {
    const { store, target } = await stored(bytes);
    const clock = new ManualClock();
    const controller = new AbortController();
    const hanging = faultyStore(store, stuckWhen(() => true));
    let settled = false;
    const pending = fetchDescription(target, { store: hanging, policy: INSTANT, clock, signal: controller.signal })
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    await until(() => hanging.gets === 1, "the get");
    const reason = new Error("newer clock");
    controller.abort(reason);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(true);
    expect(await pending).toBe(reason);
    expect(clock.pending).toBe(0);
  });
});
