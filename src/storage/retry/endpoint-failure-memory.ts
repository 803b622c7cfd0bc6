import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { Logger } from "../../obs/index.js";
import { isBusy, LEVEL1_SQL, withoutBusyWait } from "../../state/index.js";
import type { EndpointPool } from "./endpoint-pool.js";

/**
 * The settings key keeping the endpoints' remembered failures across restarts: one line per
 * endpoint, `<endpoint digest> <failures> <forget at>` (forget at: decimal ms since the epoch, the
 * client's clock). A settings row, not a schema change: a release before it never reads the key,
 * and one that reads it skips lines it cannot parse.
 */
export const ENDPOINT_FAILURES_KEY = "endpoint-failures";

/** Lines kept at most (endpoints of earlier lists too, until their memory ends). */
const MAX_LINES = 64;

/** A save the database was too busy for is tried again after this, doubling while it stays busy. */
const BUSY_RETRY_FIRST_MS = 250;
const BUSY_RETRY_MAX_MS = 30_000;

/**
 * An endpoint's name in the database: sha256 (hex) of its location with what may be a credential
 * taken out (user:password@, the query, the fragment), so neither a credential nor a digest of one
 * is stored, and a rotated token does not make the endpoint a stranger.
 */
export function endpointDigest(location: string): string {
  let bare = location;
  try {
    const url = new URL(location);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    bare = url.href;
  } catch {
    // Not a URL (a local store's folder): nothing in it is a credential.
  }
  return createHash("sha256").update(bare).digest("hex");
}

interface Remembered {
  readonly failures: number;
  readonly forgetAt: number;
}

function parse(value: unknown): Map<string, Remembered> {
  const out = new Map<string, Remembered>();
  if (typeof value !== "string") return out;
  for (const line of value.split("\n")) {
    const [digest, failures, forgetAt, ...rest] = line.trim().split(" ");
    if (rest.length > 0 || digest === undefined || !/^[0-9a-f]{64}$/.test(digest)) continue;
    const f = Number(failures);
    const t = Number(forgetAt);
    if (Number.isSafeInteger(f) && f >= 1 && Number.isSafeInteger(t)) out.set(digest, { failures: f, forgetAt: t });
  }
  return out;
}

/**
 * Keeps a light client's endpoint failures in its state database, so the next session does not
 * pay a failing endpoint's timeout again before failing over (docs/storage.md, Failover). Reading
 * and writing are best effort: a database that cannot be read or written (read-only) leaves the
 * memory in this session only, said once at warn. A save never waits for the database: it runs on
 * the main thread, during a transfer, and another process holding the write lock (a release script,
 * a second app) made it wait out the connection's busy timeout (5 s) with every transfer held. A
 * busy database is tried again later (once, whatever changed meanwhile: the latest value is saved),
 * and one last time, without waiting either, when the client stops.
 */
export class EndpointFailureMemory {
  private readonly digests: string[];
  private warned = false;
  /** The next try of a save the database was busy for; while it waits, changes are left to it. */
  private retry: { timer: NodeJS.Timeout; delayMs: number } | undefined;
  private stopped = false;

  constructor(
    private readonly pool: EndpointPool,
    private readonly db: Database.Database,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.digests = pool.endpoints.map((endpoint) => endpointDigest(endpoint.location));
  }

  /** Takes back what an earlier session remembered and has not expired, then keeps later changes. */
  start(): void {
    const kept = this.read();
    const now = this.now();
    this.digests.forEach((digest, index) => {
      const remembered = kept.get(digest);
      if (remembered !== undefined) this.pool.restoreFailures(index, remembered.failures, remembered.forgetAt - now);
    });
    this.pool.onFailuresChanged = () => this.save();
  }

  /** Stops keeping changes (the client stops; its database closes), saving a change still pending once more. */
  stop(): void {
    this.pool.onFailuresChanged = undefined;
    this.stopped = true;
    if (this.retry === undefined) return;
    clearTimeout(this.retry.timer);
    this.write();
  }

  private read(): Map<string, Remembered> {
    try {
      return parse(this.db.prepare(LEVEL1_SQL.getSetting).pluck().get(ENDPOINT_FAILURES_KEY));
    } catch (error) {
      this.warnOnce("read", error);
      return new Map();
    }
  }

  /** A change to keep: written now, or with the retry already waiting for a busy database. */
  private save(): void {
    if (this.retry === undefined) this.write();
  }

  /** Writes the pool's failures as they are now; a busy database schedules the next try. */
  private write(): void {
    const previous = this.retry;
    this.retry = undefined;
    try {
      withoutBusyWait(this.db, () => this.writeNow());
    } catch (error) {
      this.warnOnce("write", error);
      if (!isBusy(error) || this.stopped) return;
      const delayMs = previous === undefined ? BUSY_RETRY_FIRST_MS : Math.min(previous.delayMs * 2, BUSY_RETRY_MAX_MS);
      const timer = setTimeout(() => this.write(), delayMs);
      // Advisory: a pending save never keeps the process alive (stop() tries it once more).
      timer.unref();
      this.retry = { timer, delayMs };
    }
  }

  private writeNow(): void {
    const now = this.now();
    const lines = new Map<string, Remembered>();
    // Other endpoints' lines (an earlier list's) stay until their memory ends.
    for (const [digest, r] of this.read()) if (r.forgetAt > now && !this.digests.includes(digest)) lines.set(digest, r);
    for (const digest of this.digests) lines.delete(digest);
    for (const { index, failures, remainingMs } of this.pool.rememberedFailures()) {
      lines.set(this.digests[index] as string, { failures, forgetAt: Math.ceil(now + remainingMs) });
    }
    const value = [...lines].slice(-MAX_LINES).map(([digest, r]) => `${digest} ${r.failures} ${r.forgetAt}`).join("\n");
    if (value === "") this.db.prepare(`DELETE FROM settings WHERE key = ?`).run(ENDPOINT_FAILURES_KEY);
    else this.db.prepare(LEVEL1_SQL.upsertSetting).run({ key: ENDPOINT_FAILURES_KEY, value });
    this.log.debug({ endpoints: lines.size }, "endpoint failures kept for the next session");
  }

  private warnOnce(what: "read" | "write", error: unknown): void {
    const err = error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
    if (this.warned) {
      this.log.debug({ err }, `could not ${what} the endpoint failure memory`);
      return;
    }
    this.warned = true;
    if (what === "write" && isBusy(error)) {
      this.log.warn({ err }, "could not write the endpoint failure memory: another connection holds the state database's write lock; the client goes on, and saves the memory once the lock is free (without waiting for it)");
    } else {
      this.log.warn({ err }, `could not ${what} the endpoint failure memory in the state database; the client goes on, remembering failing endpoints for this session only`);
    }
  }
}
