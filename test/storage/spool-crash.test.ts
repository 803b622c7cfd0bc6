import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { StorageClient } from "../../src/storage/index.js";
import { runScript, type ScriptResult } from "../support/script-child.js";
import { bytesKeptIn, startClient } from "./support/client-fixture.js";

const CHILD = fileURLToPath(new URL("./support/spool-crash-child.ts", import.meta.url));
const RENAMED = fileURLToPath(new URL("./support/spool-renamed-crash-child.ts", import.meta.url));
const OVER_CACHED = fileURLToPath(new URL("./support/spool-over-cached-crash-child.ts", import.meta.url));
const CACHE_RENAMED = fileURLToPath(new URL("./support/cache-renamed-crash-child.ts", import.meta.url));
const BESIDE_CACHED = fileURLToPath(new URL("./support/spool-beside-cached-crash-child.ts", import.meta.url));

/**
 * Each test's crashed app, one child per test, started before the tests three at a time: most of a
 * test's time is its child's start, and the children are independent (each its own folder). A
 * test awaits its own and checks how it ended.
 */
const crashes = new Map<string, { work: string; ended: Promise<ScriptResult> }>();
const CRASHES: Record<string, [prefix: string, child: string]> = {
  "stale-temp": ["scc-spool-crash-", CHILD],
  renamed: ["scc-spool-renamed-", RENAMED],
  "over-cached": ["scc-spool-over-cached-", OVER_CACHED],
  lost: ["scc-spool-lost-", CHILD],
  "cache-renamed": ["scc-cache-renamed-", CACHE_RENAMED],
  "beside-cached": ["scc-spool-beside-cached-", BESIDE_CACHED],
};

/** Children running at once: the first tests' children are ready first; a 2-core machine stays busy. */
const LANES = 3;
/** A start of six children at once on a loaded machine takes longer than runScript's 30 s default. */
const CHILD_TIMEOUT_MS = 90_000;

beforeAll(() => {
  const lanes: Promise<unknown>[] = Array.from({ length: LANES }, () => Promise.resolve());
  for (const [i, [name, [prefix, child]]] of Object.entries(CRASHES).entries()) {
    const work = mkdtempSync(join(tmpdir(), prefix));
    const ended = lanes[i % LANES]!.then(() => runScript(child, [work], CHILD_TIMEOUT_MS));
    lanes[i % LANES] = ended;
    crashes.set(name, { work, ended });
  }
});

afterAll(async () => {
  for (const { work, ended } of crashes.values()) {
    await ended;
    rmSync(work, { recursive: true, force: true });
  }
});

/** The folder of the crash child `name` ran on: it must have ended SIGKILLed at its moment, with nothing on stderr (KILLED-EARLY when it came too late). */
async function crashed(name: string): Promise<string> {
  const crash = crashes.get(name);
  if (crash === undefined) throw new Error(`no crash child ${name}`);
  const { signal, stderr } = await crash.ended;
  expect(stderr).toBe("");
  expect(signal).toBe("SIGKILL");
  return crash.work;
}

/** The id of the one unfinished job of `kind` (the crashed app's) that `client` resumed. */
function theResumedJob(client: StorageClient, kind: "upload" | "download"): string {
  const resumed = client.jobs().filter((j) => j.kind === kind && j.state !== "done");
  expect(resumed).toHaveLength(1);
  return resumed[0]?.id as string;
}

/** The next start of the app a crash child left in `work`. */
function startAgain(work: string) {
  return startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
}

describe("a crash while bytes are being spooled", () => {
  test("the spool's temp file it leaves is removed by a later start (once it is old enough not to be another writer's)", async () => {
    const work = await crashed("stale-temp");
    const spool = join(work, "data", "spool");
    const parts = readdirSync(spool).filter((n) => n.endsWith(".part"));
    expect(parts).toHaveLength(1);
    // A fresh one may be another process's write in progress: left alone.
    const first = await startAgain(work);
    await first.client.stop();
    expect(readdirSync(spool).filter((n) => n.endsWith(".part"))).toEqual(parts);
    // An hour and more ago: no writer is still at it.
    const past = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const name of parts) utimesSync(join(spool, name), past, past);
    await startAgain(work);
    expect(readdirSync(spool).filter((n) => n.endsWith(".part"))).toEqual([]);
  });
});

describe("a crash right after the spool file got its name", () => {
  test("the spool file the client had not recorded yet is counted under the quota (and evictable) after the next start, not left on disk for ever", async () => {
    const work = await crashed("renamed");
    const spool = join(work, "data", "spool");
    const files = readdirSync(spool).filter((n) => !n.startsWith("."));
    expect(files).toHaveLength(1);
    const { client } = await startAgain(work);
    expect(client.usage().usedBytes).toBe(files.reduce((sum, name) => sum + statSync(join(spool, name)).size, 0));
  });
});

describe("a crash right after the spool file of bytes the cache names (a received file the app edited since) got its name", () => {
  test("the spool file the resumed upload reads is counted under the quota, and nothing on disk is left uncounted once it is done", async () => {
    const work = await crashed("over-cached");
    const data = join(work, "data");
    const { client } = await startAgain(work);
    expect(client.usage().usedBytes).toBe(bytesKeptIn(data));
    await client.job(theResumedJob(client, "upload")).done;
    expect(client.usage().usedBytes).toBe(bytesKeptIn(data));
  });
});

describe("a share of bytes the app was killed in the middle of spooling", () => {
  test("is still a job after the next start (it fails E_SOURCE_MISSING: share it again), not one that vanished without a trace", async () => {
    const work = await crashed("lost");
    const { client } = await startAgain(work);
    const uploads = client.jobs().filter((j) => j.kind === "upload");
    expect(uploads).toHaveLength(1);
    await expect(client.job(uploads[0]?.id as string).done).rejects.toMatchObject({ code: "E_SOURCE_MISSING" });
  });
});

describe("a crash right after a download into the cache got its name", () => {
  test("the cached file the client had not recorded yet is counted under the quota after the next start, even when the resumed download is then cancelled", async () => {
    const work = await crashed("cache-renamed");
    const data = join(work, "data");
    expect(readdirSync(join(data, "cache")).filter((n) => !n.endsWith(".part"))).toHaveLength(1);
    const { client } = await startAgain(work);
    // The download, still journaled as running, resumes; the user gives up on it.
    const id = theResumedJob(client, "download");
    const ended = client.job(id).done.catch(() => undefined);
    client.cancel(id);
    await ended;
    await vi.waitFor(() => expect(readdirSync(join(data, "cache")).filter((n) => n.endsWith(".part"))).toEqual([]));
    expect(client.usage().usedBytes).toBe(bytesKeptIn(data));
  });
});

describe("a crash between a share's spool write and its switch to the received file holding the same bytes", () => {
  test("the next start keeps the received file (the path fetch gave), the share reads it and finishes, and nothing on disk is left uncounted", async () => {
    const work = await crashed("beside-cached");
    const received = readFileSync(join(work, "received-path"), "utf8");
    const bytes = readFileSync(received);
    const data = join(work, "data");
    const { client } = await startAgain(work);
    await client.job(theResumedJob(client, "upload")).done;
    expect(existsSync(received) && readFileSync(received).equals(bytes)).toBe(true);
    expect(client.usage().usedBytes).toBe(bytesKeptIn(data));
  });
});
