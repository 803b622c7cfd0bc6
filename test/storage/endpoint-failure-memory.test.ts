/**
 * An endpoint's transient failure steered every later attempt away from it until it worked again,
 * which it never got the chance to do: after one blip of a client's first endpoint (full mode's own
 * node, or a light client's home in its spread order), every upload, download and renewal of the
 * session went to the others. A desktop client sent its files to the remote fallback instead of its
 * own node; light clients' load and their blocks drifted off the spread. A failure now counts for
 * `failureMemoryMs` (doubled for each further failure before the endpoint works again, up to an
 * hour): then the client's order applies again and its first endpoint is tried first.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { StorageBackend } from "../../src/storage/backend.js";
import { DEFAULT_RETRY_POLICY, EndpointPool, withRetries } from "../../src/storage/retry/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { FAST_RETRY, localStore, startClient, writeRandomFile, SMALL_PIECES } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { tempDir } from "../support/temp-dir.js";

function fake(location: string): StorageBackend {
  const refuse = (): Promise<never> => Promise.reject(new Error("not called"));
  return { kind: "fake", location, put: refuse, get: refuse, has: refuse, delete: refuse, space: refuse, close: async () => undefined };
}

describe("a blip of the client's first endpoint", () => {
  test("full mode: after its own node failed once, later shares go to it again once the failure is forgotten, not to the fallback for the rest of the session", async () => {
    const dir = tempDir();
    const own = new InstrumentedBackend(localStore(join(dir, "own")), "own-node");
    const fallback = new InstrumentedBackend(localStore(join(dir, "fallback")), "fallback");
    let blips = 1;
    own.beforePut = () => {
      if (blips-- > 0) throw new StorageError("E_BACKEND_UNREACHABLE", "connection refused (the node restarting)");
    };
    const { client } = await startClient({ dir, backend: own, endpoints: [fallback], piecesInFlight: 1, retry: { ...FAST_RETRY, failureMemoryMs: 300 } });
    const first = writeRandomFile(dir, "a.jpg", 2 * SMALL_PIECES.pieceSize);
    await client.share({ path: first.path }).done;
    // The piece the blip hit went to the fallback (and so did what followed, the own node having failed).
    expect(fallback.puts).toBeGreaterThanOrEqual(1);

    await sleep(500);
    const before = { own: own.puts, fallback: fallback.puts };
    const second = writeRandomFile(dir, "b.jpg", 3 * SMALL_PIECES.pieceSize);
    await client.share({ path: second.path }).done;
    expect(fallback.puts - before.fallback, "pieces sent to the fallback after the blip was forgotten").toBe(0);
    expect(own.puts - before.own).toBeGreaterThanOrEqual(3);
  });
});

describe("EndpointPool failure memory", () => {
  // The pool reads performance.now(). A fake one moves only when the test says, so "still
  // remembered 130 ms after a failure remembered 200 ms" holds however late a loaded machine's
  // timers fire (a real sleep(130) that ran 70 ms or more late found the failure forgotten).
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("a failure steers picks away for failureMemoryMs, then the client's order applies again: the first endpoint is picked over the one that worked meanwhile", () => {
    const pool = new EndpointPool([fake("a"), fake("b"), fake("c")]);
    const none = new Set<number>();
    pool.worked(0);
    pool.failed(0, 100);
    expect(pool.pick(none)).toBe(1);
    pool.worked(1);
    vi.advanceTimersByTime(99);
    expect(pool.pick(none)).toBe(1);
    vi.advanceTimersByTime(51);
    expect(pool.pick(none)).toBe(0);
  });

  test("each further failure before the endpoint works again doubles how long it is remembered; working forgets them all", () => {
    const pool = new EndpointPool([fake("a"), fake("b")]);
    const none = new Set<number>();
    pool.failed(0, 100);
    vi.advanceTimersByTime(130);
    expect(pool.pick(none)).toBe(0);
    // Tried again and failed again: remembered 200 ms this time.
    pool.failed(0, 100);
    vi.advanceTimersByTime(130);
    expect(pool.pick(none)).toBe(1);
    vi.advanceTimersByTime(120);
    expect(pool.pick(none)).toBe(0);
    pool.worked(0);
    pool.failed(0, 100);
    vi.advanceTimersByTime(130);
    expect(pool.pick(none)).toBe(0);
  });

  test("a remembered failure still ranks as before: fewest failures first, then the most recent success", () => {
    const pool = new EndpointPool([fake("a"), fake("b"), fake("c")]);
    const none = new Set<number>();
    pool.worked(0);
    pool.failed(1, 60_000);
    pool.failed(0, 60_000);
    expect(pool.pick(none, 0)).toBe(2);
    pool.failed(2, 60_000);
    expect(pool.pick(none, 0)).toBe(0);
  });
});

describe("a home tried again that lacks what is asked", () => {
  test("answers E_NOT_FOUND once, and the pieces after it go straight to the endpoint that has them (not home first for each)", async () => {
    const pool = new EndpointPool([fake("home"), fake("b")]);
    const asked: string[] = [];
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 2, failureMemoryMs: 50 };
    const signal = new AbortController().signal;
    pool.failed(0, 50);
    await sleep(80);
    for (let piece = 0; piece < 4; piece++) {
      await withRetries({ pool, policy, signal, what: `piece ${piece}` }, async (backend) => {
        asked.push(backend.location);
        if (backend.location === "home") throw new StorageError("E_NOT_FOUND", "no such content here");
        return backend.location;
      });
    }
    expect(asked).toEqual(["home", "b", "b", "b", "b"]);
  });
});
