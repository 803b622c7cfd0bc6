/**
 * A light client remembered which endpoint failed only in memory: a phone app restarts often, and the
 * first share of every session waited out the hanging endpoint's timeout again before failing over
 * (so did a full-mode client with fallbacks whose own node was down).
 * The memory is now kept in the state database (settings key `endpoint-failures`), taken back at
 * start until it expires, with the endpoints named by a digest that no URL credential reaches.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, onTestFinished, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { EndpointFailureMemory, EndpointPool, ENDPOINT_FAILURES_KEY, endpointDigest } from "../../src/storage/retry/index.js";
import { openState } from "../../src/state/index.js";
import { profileFor } from "../../src/versions/index.js";
import type { Clock, StorageClientOptions } from "../../src/storage/client-options.js";
import { startFaultProxy, type FaultProxy, type ProxyFault } from "../support/fault-proxy/index.js";
import { LogCapture } from "../support/log-capture.js";
import { nodeArgs } from "../support/node-args.js";
import { until } from "../support/until.js";
import { tempDir } from "../support/temp-dir.js";
import { codexSetup } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const HANG_MS = 300;
const retry = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 5_000, deadlineMs: 30_000, maxAttempts: 8, failureMemoryMs: 60_000 };

async function proxy(target: string, fault: ProxyFault): Promise<FaultProxy> {
  const p = await startFaultProxy({ target, faultRate: 1, randomFaults: [fault] });
  onTestFinished(() => p.close());
  return p;
}

function endpoint(url: string, requestTimeoutMs: number): CodexBackend {
  const backend = createCodexBackend({ url, requestTimeoutMs });
  onTestFinished(() => backend.close());
  return backend;
}

/** A clock the test sets: the client's wall time (the failure memory's expiry is on it). */
function settableClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, monotonic: () => performance.now(), set: (ms) => void (now = ms) };
}

/** Which of the two endpoints each request of a session went to, in arrival order. */
function order(hang: FaultProxy, good: FaultProxy, since: { hang: number; good: number }): string[] {
  const seen = [
    ...hang.stats.history.slice(since.hang).map((r) => ({ who: "hang", at: r.at })),
    ...good.stats.history.slice(since.good).map((r) => ({ who: "good", at: r.at })),
  ];
  return seen.sort((a, b) => a.at - b.at).map((r) => r.who);
}

async function twoEndpoints(hangUrl = (url: string) => url) {
  const { server } = await codexSetup();
  const hang = await proxy(server.url, { kind: "hang", phase: "before-headers" });
  const good = await proxy(server.url, { kind: "pass" });
  const endpoints = () => [endpoint(hangUrl(hang.url), HANG_MS), endpoint(good.url, 20_000)];
  return { hang, good, endpoints };
}

/**
 * Sessions of a client on one state file, each sharing a file and stopping; each returns which
 * endpoint its requests went to, in order. `client` gives the session's options for the two endpoints.
 */
function sessionsOn(hang: FaultProxy, good: FaultProxy, client: (pair: CodexBackend[]) => Partial<StorageClientOptions>) {
  const dir = tempDir();
  const statePath = join(dir, "state.sqlite");
  const clock = settableClock(Date.UTC(2026, 5, 1));
  const endpoints = [() => endpoint(hang.url, HANG_MS), () => endpoint(good.url, 20_000)];
  const session = async (name: string): Promise<string[]> => {
    const since = { hang: hang.stats.history.length, good: good.stats.history.length };
    const { client: started } = await startClient({ dir, statePath, retry, clock, ...client(endpoints.map((make) => make())) });
    const { path } = writeRandomFile(dir, `${name}.bin`, 20 * KiB);
    await started.share({ path }).done;
    await started.stop();
    return order(hang, good, since);
  };
  return { session, clock, statePath };
}

function settingsRows(statePath: string): Array<{ key: string; value: string }> {
  const db = new Database(statePath, { readonly: true });
  try {
    return db.prepare("SELECT key, value FROM settings").all() as Array<{ key: string; value: string }>;
  } finally {
    db.close();
  }
}

describe("a light client's endpoint failures across restarts", () => {
  test("the next session tries the healthy endpoint first; once the memory expired, the failed one is tried first again", async () => {
    const { hang, good } = await twoEndpoints();
    const { session, clock, statePath } = sessionsOn(hang, good, (endpoints) => ({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined }));

    // First session: the listed first endpoint hangs; the share fails over after its timeout.
    const first = await session("a");
    expect(first[0]).toBe("hang");
    expect(first).toContain("good");
    expect(settingsRows(statePath).some((r) => r.key === ENDPOINT_FAILURES_KEY)).toBe(true);

    // A restart a minute less a second later: the hanging endpoint is not asked at all.
    clock.set(clock.now() + 59_000);
    const second = await session("b");
    expect(second.length).toBeGreaterThan(0);
    expect(second.every((who) => who === "good"), `requests of the second session: ${second.join(", ")}`).toBe(true);

    // Two hours on, past any memory's end (it is at most an hour): the hanging endpoint is tried first again.
    clock.set(clock.now() + 2 * 60 * 60_000);
    const third = await session("c");
    expect(third[0]).toBe("hang");
  });

  test("a full-mode client with a fallback keeps them too: its own node down, the next session asks the fallback first", async () => {
    const { hang, good } = await twoEndpoints();
    const { session, clock } = sessionsOn(hang, good, ([own, fallback]) => ({ mode: "full", backend: own, endpoints: [fallback as CodexBackend] }));
    const first = await session("a");
    expect(first[0]).toBe("hang");
    expect(first).toContain("good");
    clock.set(clock.now() + 59_000);
    const second = await session("b");
    expect(second.length).toBeGreaterThan(0);
    expect(second.every((who) => who === "good"), `requests of the second session: ${second.join(", ")}`).toBe(true);
    clock.set(clock.now() + 2 * 60 * 60_000);
    expect((await session("c"))[0]).toBe("hang");
  });

  test("URL credentials never reach the database: the endpoint is named by a digest of its URL without them", async () => {
    const { hang, endpoints } = await twoEndpoints((url) => url.replace("http://", "http://alice:s3cret-pass@"));
    const { client, statePath, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: endpoints(), backend: undefined, retry });
    const { path } = writeRandomFile(dir, "a.bin", 20 * KiB);
    await client.share({ path }).done;
    await client.stop();
    const row = settingsRows(statePath).find((r) => r.key === ENDPOINT_FAILURES_KEY);
    expect(row?.value.split(" ")[0]).toBe(endpointDigest(hang.url));
    for (const file of readdirSync(dir).filter((f) => f.startsWith("state.sqlite"))) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes("s3cret-pass"), file).toBe(false);
      expect(bytes.includes("alice"), file).toBe(false);
    }
    // A location of another backend that carries a token is named without it too.
    expect(endpointDigest("https://node.example/api?token=abc#x")).toBe(endpointDigest("https://u:p@node.example/api"));
  });

  test("a state database that refuses the memory's writes does not break sharing: a warning, and the share completes", async () => {
    const { hang, good, endpoints } = await twoEndpoints();
    const capture = new LogCapture();
    const logger = createLogger({ level: "debug", destination: capture });
    const { client, statePath, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: endpoints(), backend: undefined, retry, logger });
    // Another process's trigger refusing the key, as a read-only or locked-out row would.
    const other = new Database(statePath);
    other.exec(`CREATE TRIGGER refuse_failures BEFORE INSERT ON settings WHEN NEW.key = '${ENDPOINT_FAILURES_KEY}' BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END`);
    other.close();
    const { path } = writeRandomFile(dir, "a.bin", 20 * KiB);
    const { view } = await client.share({ path }).done;
    expect(view.pieces.length).toBeGreaterThan(0);
    expect(hang.stats.requests).toBeGreaterThan(0);
    expect(good.stats.requests).toBeGreaterThan(0);
    await client.stop();
    expect(settingsRows(statePath).some((r) => r.key === ENDPOINT_FAILURES_KEY)).toBe(false);
    const warnings = capture.lines().filter((l) => typeof l.msg === "string" && l.msg.includes("endpoint failure memory"));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]?.level).toBe(40);
  });

  test("another process holding the state's write lock does not hold the client: the memory is saved once the lock is free, without waiting on the main thread", async () => {
    // Its request hangs until this per-attempt timeout: long enough for the other process to take the lock meanwhile.
    const { server } = await codexSetup();
    const hang = await proxy(server.url, { kind: "hang", phase: "before-headers" });
    // Each answer half a second late: the test sees the request and tells the holder to let go before
    // the client journals the piece stored (a write that waits for the lock, as it should).
    const good = await proxy(server.url, { kind: "delay", ms: 500 });
    const capture = new LogCapture();
    const logger = createLogger({ level: "debug", destination: capture });
    const { client, statePath, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [endpoint(hang.url, 1_000), endpoint(good.url, 20_000)], backend: undefined, retry, logger });
    // Holds the lock for 4 s at most: less than the state's busy timeout (5 s), which a save that waits would wait through.
    const holder = spawn(process.execPath, [...nodeArgs("test/storage/support/write-lock-holder-child.ts"), statePath, "4000"], { stdio: ["pipe", "pipe", "inherit"] });
    onTestFinished(() => void holder.kill());
    holder.stdin.on("error", () => {}); // gone already: it says so on stdout
    let said = "";
    holder.stdout.on("data", (d: Buffer) => (said += d.toString()));
    const exited = new Promise((resolve) => holder.on("close", resolve));
    await until(() => said.includes("ready"), "the lock holder to start", { tries: 3_000 });

    const { path } = writeRandomFile(dir, "a.bin", 20 * KiB);
    const done = client.share({ path }).done;
    // The share asks the hanging endpoint first; while it hangs, the other process takes the write lock.
    await until(() => hang.stats.history.length > 0, "the hanging endpoint to be asked");
    holder.stdin.write("lock\n");
    await until(() => said.includes("locked"), "the lock to be taken");
    // The attempt times out, the failure is remembered, and the share fails over: this process runs on
    // while the lock is held, sees the healthy endpoint asked, and tells the holder to let go.
    await until(() => good.stats.history.length > 0 || said.includes("released"), "the healthy endpoint to be asked", { tries: 1_000 });
    if (!said.includes("released")) holder.stdin.write("release\n");
    await exited;
    expect(said).toContain("released: told");
    await done;
    await client.stop();
    // Saved after all: the latest value, once the lock was free.
    const row = settingsRows(statePath).find((r) => r.key === ENDPOINT_FAILURES_KEY);
    expect(row?.value.split(" ")[0]).toBe(endpointDigest(hang.url));
    const warnings = capture.lines().filter((l) => l.level === 40 && typeof l.msg === "string" && l.msg.includes("endpoint failure memory"));
    expect(warnings).toHaveLength(1);
  });

  test("changes while the state is busy are saved once it is free, as one write of the latest value, with one warning", async () => {
    const statePath = join(tempDir(), "state.sqlite");
    const state = await openState({ path: statePath, level: profileFor(3).stateLevel });
    onTestFinished(() => state.close());
    const [a, b] = await Promise.all([codexSetup(), codexSetup()]);
    const pool = new EndpointPool([endpoint(a.server.url, 1_000), endpoint(b.server.url, 1_000)]);
    const capture = new LogCapture();
    const memory = new EndpointFailureMemory(pool, state.db, () => Date.UTC(2026, 5, 1), createLogger({ level: "debug", destination: capture }));
    memory.start();
    onTestFinished(() => memory.stop());
    const other = new Database(statePath);
    other.exec("BEGIN IMMEDIATE");
    let writes = 0;
    const upsert = state.db.prepare.bind(state.db);
    state.db.prepare = ((sql: string) => ((writes += /INSERT|DELETE/i.test(sql) ? 1 : 0), upsert(sql))) as typeof state.db.prepare;
    onTestFinished(() => void (state.db.prepare = upsert));
    pool.failed(0, 60_000);
    pool.failed(0, 60_000);
    pool.failed(1, 60_000);
    // Tried once, busy; the two changes after it are left to the pending retry.
    expect(writes).toBe(1);
    expect(settingsRows(statePath).some((r) => r.key === ENDPOINT_FAILURES_KEY)).toBe(false);
    other.exec("ROLLBACK");
    other.close();
    await until(() => settingsRows(statePath).some((r) => r.key === ENDPOINT_FAILURES_KEY), "the memory to be saved", { tries: 1_000 });
    expect(writes).toBe(2);
    const lines = settingsRows(statePath).find((r) => r.key === ENDPOINT_FAILURES_KEY)?.value.split("\n").map((l) => l.split(" ").slice(0, 2).join(" "));
    expect(lines).toEqual([`${endpointDigest(a.server.url)} 2`, `${endpointDigest(b.server.url)} 1`]);
    expect(capture.lines().filter((l) => l.level === 40)).toHaveLength(1);
  });
});
