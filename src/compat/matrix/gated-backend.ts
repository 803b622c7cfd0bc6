import type { BackendCallOptions, GetOptions, GetResult, PutOptions, SpaceInfo, StorageBackend } from "../../storage/index.js";

/**
 * A store that lets a given number of puts and gets through, then holds the next ones until it is
 * opened again or the caller's signal fires: how the matrix stops a client with an upload and a
 * download half-way at a known point. Counts the calls that reached the store.
 */
export class GatedBackend implements StorageBackend {
  readonly kind: string;
  readonly location: string;
  readonly hashesInProcess: "sha2-256" | undefined;
  puts = 0;
  gets = 0;
  heldPuts = 0;
  heldGets = 0;
  private putLimit = Infinity;
  private getLimit = Infinity;
  private waiters = new Set<() => void>();
  private holdWatchers = new Set<() => void>();

  constructor(private readonly inner: StorageBackend) {
    this.kind = inner.kind;
    this.location = inner.location;
    this.hashesInProcess = inner.hashesInProcess;
  }

  /** From now on, at most `puts` more puts and `gets` more gets reach the store; later ones wait. */
  limit(puts: number, gets: number): void {
    this.putLimit = this.puts + puts;
    this.getLimit = this.gets + gets;
  }

  /** Every call goes through again, the held ones first. */
  open(): void {
    this.putLimit = Infinity;
    this.getLimit = Infinity;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
    while (this.puts >= this.putLimit) await this.hold("put", options?.signal);
    this.puts++;
    return this.inner.put(body, options);
  }

  async get(cid: string, options?: GetOptions): Promise<GetResult> {
    while (this.gets >= this.getLimit) await this.hold("get", options?.signal);
    this.gets++;
    return this.inner.get(cid, options);
  }

  /** Resolves once a put and a get are both held (at once, if they are). */
  holdingBoth(): Promise<void> {
    return new Promise<void>((resolve) => {
      const look = (): void => {
        if (this.heldPuts === 0 || this.heldGets === 0) return;
        this.holdWatchers.delete(look);
        resolve();
      };
      this.holdWatchers.add(look);
      look();
    });
  }

  has(cid: string, options?: BackendCallOptions): Promise<boolean> {
    return this.inner.has(cid, options);
  }

  delete(cid: string, options?: BackendCallOptions): Promise<void> {
    return this.inner.delete(cid, options);
  }

  space(options?: BackendCallOptions): Promise<SpaceInfo> {
    return this.inner.space(options);
  }

  close(): Promise<void> {
    this.open();
    return this.inner.close();
  }

  private hold(kind: "put" | "get", signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (kind === "put") this.heldPuts++;
    else this.heldGets++;
    for (const look of [...this.holdWatchers]) look();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        if (kind === "put") this.heldPuts--;
        else this.heldGets--;
        this.waiters.delete(wake);
        signal?.removeEventListener("abort", aborted);
      };
      const wake = (): void => {
        done();
        resolve();
      };
      const aborted = (): void => {
        done();
        reject(signal?.reason);
      };
      this.waiters.add(wake);
      signal?.addEventListener("abort", aborted, { once: true });
    });
  }
}
