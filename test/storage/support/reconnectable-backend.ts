import type { BackendCallOptions, GetOptions, GetResult, PutOptions, SpaceInfo, StorageBackend } from "../../../src/storage/backend.js";

/** The application's backend object, over a connection it can close and open again (same store, same location). */
export class Reconnectable implements StorageBackend {
  readonly kind: string;
  readonly location: string;
  constructor(public inner: StorageBackend) {
    this.kind = inner.kind;
    this.location = inner.location;
  }
  put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
    return this.inner.put(body, options);
  }
  get(cid: string, options?: GetOptions): Promise<GetResult> {
    return this.inner.get(cid, options);
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
    return this.inner.close();
  }
}
