/**
 * A job that kills the process each time it runs (an out-of-memory on one file, a native crash, the
 * system ending the app) used to be resumed by every start of the app, which then died again: a
 * crash loop the user could escape only by wiping the app's data. Now a job whose runs started
 * MAX_UNENDED_RUNS times in a row without the journal recording progress, and without ending, is
 * failed with E_CRASH_LOOP at the next start instead; a job that makes progress before each death
 * (a phone whose system keeps ending the app during a long upload) keeps being resumed.
 * Real child processes, each killed with SIGKILL, on one journal.
 */
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test, vi } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient, type ShareResult } from "../../src/storage/index.js";
import { MAX_UNENDED_RUNS } from "../../src/storage/journal/unended-runs.js";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, sha256Hex, fileSha256 } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";
import { reopenable } from "./support/reopenable-client.js";

const CHILD = fileURLToPath(new URL("./support/crash-loop-child.ts", import.meta.url));
const PIECE = 16 * 1024;
/** A hang guard: the three tests' children start side by side, and on a loaded machine a start took over runScript's 30 s default. */
const CHILD_TIMEOUT_MS = 90_000;

function callsLogged(work: string, call: "put" | "get" = "put"): number {
  const path = join(work, "calls.log");
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l === call).length : 0;
}

function photo(work: string, pieces: number): { source: string; bytes: Buffer } {
  const source = join(work, "photo.jpg");
  const bytes = randomBytes(pieces * PIECE);
  writeFileSync(source, bytes);
  return { source, bytes };
}

interface Settled {
  outcome: string;
  code?: string;
  state?: string;
  attempts?: number;
  lastError?: string;
}

function settledLine(stdout: string): Settled {
  return JSON.parse(stdout.trim()) as Settled;
}

describe("crash loop guard (SIGKILL of a child process)", () => {
  // The three tests of child processes are independent (each its own folder) and run at once: their
  // time is the children's starts, one after another within each test (a timeout of 240 s: the
  // three share the machine). Concurrent tests clean up through their context's onTestFinished
  // (vitest cannot tell them apart in the global one).
  test.concurrent(`an upload that kills the process at the same point each run is failed E_CRASH_LOOP at start ${MAX_UNENDED_RUNS + 1}; the next start does not run it, retry() does`, async ({ onTestFinished }) => {
    const work = tempDir("scc-loop-", onTestFinished);
    const { source, bytes } = photo(work, 4);
    for (let run = 1; run <= MAX_UNENDED_RUNS; run++) {
      const died = await runScript(CHILD, ["same-point", work, source], CHILD_TIMEOUT_MS);
      expect(died.signal, `run ${run} should have died at its first put: ${died.stderr}`).toBe("SIGKILL");
      expect(callsLogged(work)).toBe(run);
    }

    const failing = await runScript(CHILD, ["same-point", work, source], CHILD_TIMEOUT_MS);
    expect(failing.signal, failing.stderr).toBeNull();
    expect(failing.code, failing.stderr).toBe(0);
    const failed = settledLine(failing.stdout);
    expect(failed).toMatchObject({ outcome: "failed", code: "E_CRASH_LOOP", state: "failed", attempts: MAX_UNENDED_RUNS });
    expect(failed.lastError).toMatch(new RegExp(`^E_CRASH_LOOP: upload \\S+ was not resumed: its last ${MAX_UNENDED_RUNS} runs .*retry\\(\\) starts it again$`));
    // Failed instead of run: no put, no new attempt.
    expect(callsLogged(work)).toBe(MAX_UNENDED_RUNS);

    const after = await runScript(CHILD, ["same-point", work, source], CHILD_TIMEOUT_MS);
    expect(after.signal, after.stderr).toBeNull();
    expect(settledLine(after.stdout)).toMatchObject({ outcome: "failed", code: "E_CRASH_LOOP", state: "failed", attempts: MAX_UNENDED_RUNS });
    expect(callsLogged(work)).toBe(MAX_UNENDED_RUNS);

    // What killed the app is fixed (here: a store that does not): retry() starts the job again, the count with it.
    const store = createLocalBackend({ dir: join(work, "store") });
    try {
      const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), chunkSize: 4096, pieceSize: PIECE, renewEveryMs: 0 });
      try {
        const id = client.jobs()[0]?.id as string;
        const { reference } = (await client.retry(id).done) as ShareResult;
        const out = join(work, "back.jpg");
        await client.fetch(reference, { out }).done;
        expect(fileSha256(out)).toBe(sha256Hex(bytes));
      } finally {
        await client.stop();
      }
    } finally {
      await store.close();
    }
  }, 240_000);

  test.concurrent(`a download that kills the process at the same point each run is failed E_CRASH_LOOP at start ${MAX_UNENDED_RUNS + 1}, and not run again`, async ({ onTestFinished }) => {
    const work = tempDir("scc-loop-", onTestFinished);
    const { source } = photo(work, 3);
    for (let run = 1; run <= MAX_UNENDED_RUNS; run++) {
      const died = await runScript(CHILD, ["same-point-get", work, source], CHILD_TIMEOUT_MS);
      expect(died.signal, `run ${run} should have died at its first get: ${died.stderr}`).toBe("SIGKILL");
      expect(callsLogged(work, "get")).toBe(run);
    }
    for (const start of ["failing", "after"]) {
      const run = await runScript(CHILD, ["same-point-get", work, source], CHILD_TIMEOUT_MS);
      expect(run.signal, `${start}: ${run.stderr}`).toBeNull();
      expect(settledLine(run.stdout)).toMatchObject({ outcome: "failed", code: "E_CRASH_LOOP", state: "failed", attempts: MAX_UNENDED_RUNS });
      expect(settledLine(run.stdout).lastError).toMatch(/^E_CRASH_LOOP: download .* before one more piece was fetched/);
      expect(callsLogged(work, "get")).toBe(MAX_UNENDED_RUNS);
    }
  }, 240_000);

  test.concurrent("an upload whose process dies after each piece it stores keeps being resumed, past the limit, until it is done", async ({ onTestFinished }) => {
    const work = tempDir("scc-loop-", onTestFinished);
    // One death more than the guard allows a run without progress: a guard that counted deaths alone fails it at start MAX_UNENDED_RUNS + 1.
    const pieces = MAX_UNENDED_RUNS + 1;
    const { source } = photo(work, pieces);
    let deaths = 0;
    for (;;) {
      const run = await runScript(CHILD, ["after-progress", work, source], CHILD_TIMEOUT_MS);
      if (run.signal === "SIGKILL") {
        deaths++;
        expect(deaths, "no end in sight").toBeLessThanOrEqual(pieces);
        continue;
      }
      expect(run.code, run.stderr).toBe(0);
      expect(settledLine(run.stdout)).toMatchObject({ outcome: "done", state: "done" });
      break;
    }
    // One piece a run, each run killed right after it: more deaths in a row than the guard allows a run without progress.
    expect(deaths).toBe(pieces);
  }, 240_000);

  test("an upload stopped before it stores a piece, more sessions in a row than the limit, is still resumed (a run that ends is no crash)", async () => {
    const dir = tempDir("scc-loop-");
    const { source, bytes } = photo(dir, 3);
    const options = (backend: InstrumentedBackend) => ({ ...reopenable(dir, backend), pieceSize: PIECE, chunkSize: 4096 });
    let id: string | undefined;
    for (let session = 1; session <= MAX_UNENDED_RUNS + 2; session++) {
      // A link that gets nothing through in the session: every put fails, and is retried until the app stops the client.
      const offline = new InstrumentedBackend(localStore(join(dir, "store")));
      offline.beforePut = () => {
        throw unreachable("the node");
      };
      const client = await StorageClient.open(options(offline));
      const job = id === undefined ? client.share({ path: source }) : client.job(id);
      id = job.id;
      await vi.waitFor(() => expect(offline.puts).toBeGreaterThan(0), { timeout: 5_000 });
      await client.stop();
      await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    }
    const client = await StorageClient.open(options(new InstrumentedBackend(localStore(join(dir, "store")))));
    try {
      const { reference } = (await client.job(id as string).done) as ShareResult;
      const out = join(dir, "back.jpg");
      await client.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await client.stop();
    }
  });

  test("a start forgets the counts of jobs that are no longer unfinished (an earlier release ended them, or forgot them)", async () => {
    const dir = tempDir("scc-loop-");
    const { source } = photo(dir, 2);
    const options = { ...reopenable(dir, new InstrumentedBackend(localStore(join(dir, "store")))), pieceSize: PIECE, chunkSize: 4096 };
    const first = await StorageClient.open(options);
    const done = await first.share({ path: source }).done;
    await first.stop();
    const db = new Database(join(dir, "s.sqlite"));
    try {
      const put = db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?)`);
      put.run(`job-unended-runs:${done.jobId}`, "3 2 0");
      put.run("job-unended-runs:no-such-job", "4 0 0");
    } finally {
      db.close();
    }
    const second = await StorageClient.open(options);
    await second.stop();
    const after = new Database(join(dir, "s.sqlite"), { readonly: true });
    try {
      expect(after.prepare(`SELECT key FROM settings WHERE key LIKE 'job-unended-runs:%'`).pluck().all()).toEqual([]);
    } finally {
      after.close();
    }
  });
});
