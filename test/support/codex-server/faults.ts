/**
 * Scripted misbehaviour for the Codex test server. A fault is queued for a route (or "*") and
 * consumed by the next matching request(s); everything else answers normally.
 */
export type CodexRoute =
  | "upload"
  | "list"
  | "download"
  | "download-local"
  | "manifest"
  | "exists"
  | "space"
  | "delete"
  | "fetch"
  | "peerid"
  | "spr"
  | "connect"
  | "debug-info"
  | "log-level"
  /** Any of the marketplace routes (sales, storage requests, purchases). */
  | "marketplace"
  /** OPTIONS on /data, /data/{cid} (and the marketplace's availability): the CORS preflight. */
  | "preflight";

export type ServerFault =
  /**
   * A status with a plain-text body labelled text/html, like presto's `RestApiResponse.error`
   * ("" = empty body). The request body is read first unless `early` (a node answers 422 before
   * reading the upload).
   */
  | {
      readonly kind: "status";
      readonly status: number;
      readonly body?: string;
      readonly early?: boolean;
      /**
       * Reads this many bytes of the upload first, then answers with the rest unread and closes the
       * connection, as a node's store() that fails mid-body (a disk error's 500) answers: a client
       * still writing then meets a reset. Without it (and without `early`) the whole body is read first.
       */
      readonly afterBytes?: number;
      /** Extra answer headers (`Retry-After`, as a gateway in front of the node would add). */
      readonly headers?: Readonly<Record<string, string>>;
      /**
       * The answer's Content-Type instead of presto's text/html for errors: what the node labels a
       * 2xx with (`application/json` for /exists, /space and manifests, `text/plain` for an upload's CID).
       */
      readonly contentType?: string;
    }
  /**
   * No answer: `before-headers` reads the request and never answers; `no-read` never even reads the
   * request body (the client's upload stalls); `after-headers` sends a 200 with Content-Length and then nothing.
   */
  | { readonly kind: "hang"; readonly phase: "before-headers" | "no-read" | "after-headers" }
  /**
   * Downloads: headers, `afterBytes` of body, then close the connection (default), go silent, or
   * `end` the response cleanly (only distinguishable from success without Content-Length, see
   * `behaviour.omitContentLength`).
   */
  | { readonly kind: "truncate"; readonly afterBytes: number; readonly then?: "close" | "hang" | "end" }
  /** Waits, then answers normally. */
  | { readonly kind: "delay"; readonly ms: number }
  /**
   * Holds the request (its body unread) until `until` settles, then answers normally: for a test
   * that changes something while the client waits for this answer, and lets it go once it has
   * (test/support/gate.ts), instead of a delay long enough for the change on a loaded machine.
   * `reached` is called when the request arrives, before the hold. A server closed meanwhile
   * answers nothing.
   */
  | { readonly kind: "hold"; readonly until: Promise<unknown>; readonly reached?: () => void }
  /**
   * Downloads: sends `chunkBytes` every `everyMs` (a slow but live node). Uploads: reads the body
   * `chunkBytes` every `everyMs` (a slow uplink; the client's socket takes bytes only as fast).
   */
  | { readonly kind: "slow"; readonly chunkBytes: number; readonly everyMs: number };

interface Queued {
  readonly route: CodexRoute | "*";
  readonly fault: ServerFault;
  remaining: number;
}

export class FaultQueue {
  private readonly queued: Queued[] = [];
  injected = 0;

  add(route: CodexRoute | "*", fault: ServerFault, times: number): void {
    if (!(times >= 1)) throw new RangeError("times must be at least 1");
    this.queued.push({ route, fault, remaining: times });
  }

  clear(): void {
    this.queued.length = 0;
  }

  /** The fault for this request, if one is queued for its route (first queued wins). */
  take(route: CodexRoute): ServerFault | undefined {
    const index = this.queued.findIndex((q) => q.route === route || q.route === "*");
    const entry = this.queued[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.queued.splice(index, 1);
    this.injected += 1;
    return entry.fault;
  }
}
