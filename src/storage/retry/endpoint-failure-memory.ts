import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { Logger } from "../../obs/index.js";
import { LEVEL1_SQL } from "../../state/index.js";
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
 * and writing are best effort: a database that cannot be read or written (read-only, busy) leaves
 * the memory in this session only, said once at warn.
 */
export class EndpointFailureMemory {
  private readonly digests: string[];
  private warned = false;

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

  /** Stops keeping changes (the client stops; its database closes). */
  stop(): void {
    this.pool.onFailuresChanged = undefined;
  }

  private read(): Map<string, Remembered> {
    try {
      return parse(this.db.prepare(LEVEL1_SQL.getSetting).pluck().get(ENDPOINT_FAILURES_KEY));
    } catch (error) {
      this.warnOnce("read", error);
      return new Map();
    }
  }

  private save(): void {
    try {
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
    } catch (error) {
      this.warnOnce("write", error);
    }
  }

  private warnOnce(what: "read" | "write", error: unknown): void {
    const err = error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
    if (this.warned) {
      this.log.debug({ err }, `could not ${what} the endpoint failure memory`);
      return;
    }
    this.warned = true;
    this.log.warn({ err }, `could not ${what} the endpoint failure memory in the state database; the client goes on, remembering failing endpoints for this session only`);
  }
}
