/**
 * Where a control node stores its signed community description for pointers to name, and where
 * members fetch it from: Codex in production (through the storage layer's backends), memory in
 * tests. The bytes are the signed description exactly as the pointer's content_hash covers them;
 * the store neither encrypts nor reads them (a description is public to its members and carries
 * its own signature).
 */
export interface DescriptionStoreCallOptions {
  readonly signal?: AbortSignal;
}

export interface DescriptionGetOptions extends DescriptionStoreCallOptions {
  /** Refuse content longer than this (the pointer's size): the store stops reading past it. */
  readonly maxBytes?: number;
  /** Called as bytes arrive, so a caller can tell a slow fetch from a stalled one. */
  readonly progress?: (received: number) => void;
}

export interface DescriptionStore {
  /** "codex", "local", "memory": for logs and metric labels. */
  readonly kind: string;
  /** Stores the bytes as they are; resolves their CID. */
  put(bytes: Uint8Array, options?: DescriptionStoreCallOptions): Promise<string>;
  /**
   * The bytes stored under `cid`. Fails with the store's own error (a StorageError from a backend)
   * when they are absent or cannot be read; the receiver's retry policy classifies it.
   */
  get(cid: string, options?: DescriptionGetOptions): Promise<Uint8Array>;
}
