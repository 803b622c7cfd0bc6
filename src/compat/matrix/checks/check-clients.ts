import { StorageClient, type StorageBackend } from "../../../storage/index.js";

type ClientOptions = Parameters<typeof StorageClient.open>[0];

/**
 * The storage clients (and stores) a check opens, stopped all together when its signal aborts and
 * when it ends. runMatrix abandons a cell past its deadline but cannot end its check: without this
 * an abandoned storage check went on uploading and fetching inside the embedding process, its
 * clients' locks and work folders held until it finished on its own.
 */
export class CheckClients {
  private readonly clients: StorageClient[] = [];
  private readonly backends: StorageBackend[] = [];
  private stopping: Promise<void> | undefined;
  private readonly onAbort = (): void => void this.stopAll().catch(() => undefined);

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** A store closed after the clients (they may be using it). */
  own<B extends StorageBackend>(backend: B): B {
    this.backends.push(backend);
    return backend;
  }

  /** A started client, or the signal's reason when it aborted (a client started meanwhile is stopped first). */
  async open(options: ClientOptions): Promise<StorageClient> {
    this.signal.throwIfAborted();
    const client = await StorageClient.open(options);
    this.clients.push(client);
    if (this.signal.aborted) {
      await this.stopAll();
      this.signal.throwIfAborted();
    }
    return client;
  }

  /** What ran under an aborted signal failed with its clients' E_CLIENT_CLOSED: the signal's reason says why. */
  reasonOr(error: unknown): unknown {
    return this.signal.aborted ? this.signal.reason : error;
  }

  /** Stops every client, then closes the stores; the clients stop in turn (two may share a state file). */
  async end(): Promise<void> {
    this.signal.removeEventListener("abort", this.onAbort);
    await this.stopAll();
  }

  /** Rejects with the first failure to stop or close (the end reports it; an abort's stop has nobody to tell). */
  private stopAll(): Promise<void> {
    // Each call waits for the stops before it, and stops the clients opened since too.
    const next = (this.stopping ?? Promise.resolve()).catch(() => undefined).then(async () => {
      const failures: unknown[] = [];
      for (const client of this.clients) await client.stop().catch((error: unknown) => failures.push(error));
      for (const backend of this.backends) await backend.close().catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    });
    this.stopping = next;
    return next;
  }
}
