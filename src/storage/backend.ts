/**
 * The port every storage backend implements: an embedded local store, the Codex REST API, or a
 * future in-process binding. One compliance suite (test/storage/backend-compliance.ts) holds every
 * implementation to the same behaviour.
 *
 * Content is addressed by the CID the backend returns; the client never invents CIDs. Every call
 * takes an AbortSignal and must stop promptly when it fires (a Codex node can hang for minutes).
 */
export interface BackendCallOptions {
  signal?: AbortSignal;
}

export interface PutOptions extends BackendCallOptions {
  /** Length of the body when known; lets HTTP backends send Content-Length. */
  size?: number;
  /**
   * Called whenever bytes of the body have been accepted by the transport (a socket took them), so
   * a caller can tell a slow upload from a stalled one, and with `sent` (bytes taken so far) and
   * `total` (the body's size, when known) one too slow to finish in time (withRetries fails it over
   * as it does a download). A backend may call it coarsely (per slice or buffer it writes), leave the
   * counts out, or not call it at all when its writes cannot stall (a local disk).
   */
  progress?: (sent?: number, total?: number) => void;
}

export interface GetOptions extends BackendCallOptions {
  /**
   * A buffer the caller lends for the body: a backend that can (the local store) reads the content
   * straight into it when it is large enough, and yields views of it, saving a copy. Others ignore
   * it. The caller must leave it alone until it has consumed or abandoned the body.
   */
  into?: Uint8Array;
}

export interface GetResult {
  /** Bytes the backend says the content has (Content-Length / datasetSize). */
  readonly size: number;
  /**
   * The content. Ends with StorageError E_TRUNCATED when fewer than `size` bytes arrive, and with
   * the abort reason when the signal fires. Consumed once.
   */
  readonly body: AsyncIterable<Uint8Array>;
}

export interface SpaceInfo {
  readonly quotaMaxBytes: number;
  readonly quotaUsedBytes: number;
}

export interface StorageBackend {
  /** "local", "codex", ...; for logs and metrics labels. */
  readonly kind: string;
  /** Where it stores (directory or base URL), for logs; never contains credentials. */
  readonly location: string;
  /**
   * "sha2-256" only for a backend that runs in this process, hashes every byte it stores itself as
   * it stores it, and returns CIDv1 raw sha2-256 CIDs of exactly those bytes (the local store). The
   * client then reads a piece's sha256 off the CID rather than hash the same bytes a second time;
   * for every other backend (a Codex node, anything remote) it hashes the piece itself. Such a
   * backend also checks every get against the CID's digest (E_INTEGRITY before the last bytes), so
   * the client does not hash a fetched piece whose CID's digest is the reference's sha256 again.
   */
  readonly hashesInProcess?: "sha2-256";
  /**
   * Folders on this machine that this backend alone writes (the local store: `blocks/` and
   * `incoming/` under its `dir`, not `dir` itself, which may hold the application's folders too).
   * The client refuses a fetch whose `out` lands inside one (E_UNSUPPORTED, as for its own cache and
   * state): the download planted a file among the content-addressed blocks, or replaced a block with
   * other bytes. Left out by a backend that keeps nothing on this machine's disk (a Codex node).
   */
  readonly ownFolders?: readonly string[];
  /**
   * Stores the bytes; returns their CID. Identical bytes give the identical CID. A one-shot body (a
   * Node stream, a web ReadableStream, an async generator or iterator) is taken by the put, whatever its outcome: handed
   * to a second put (a caller's retry) it is refused with E_BACKEND_REJECTED, as is a Node stream
   * already destroyed or read to its end, or a web ReadableStream closed, errored or locked (a
   * locked one is not taken: it may be put once its reader lets go), rather than stored as the
   * empty content or what was left of it. Retry with the bytes, a fresh stream, or an iterable that makes a fresh iterator each time.
   */
  put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string>;
  /** Streams stored content; StorageError E_NOT_FOUND when absent. */
  get(cid: string, options?: GetOptions): Promise<GetResult>;
  has(cid: string, options?: BackendCallOptions): Promise<boolean>;
  /** Removes the content; no error when it is already absent. */
  delete(cid: string, options?: BackendCallOptions): Promise<void>;
  space(options?: BackendCallOptions): Promise<SpaceInfo>;
  /** Releases sockets, timers and file handles. */
  close(): Promise<void>;
}
