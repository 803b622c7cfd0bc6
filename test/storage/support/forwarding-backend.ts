import type { BackendCallOptions, GetOptions, GetResult, PutOptions, SpaceInfo, StorageBackend } from "../../../src/storage/backend.js";

/**
 * A backend that hands every call to `inner`: the base of the tests' wrappers, which override only
 * the calls they count, hold or alter. Its kind and location are the inner store's unless given.
 * It does not pass on `hashesInProcess`: to the client a wrapper is a store elsewhere, which it
 * hashes pieces for itself (and which light mode accepts).
 */
export class ForwardingBackend implements StorageBackend {
  readonly kind: string;
  readonly location: string;

  constructor(
    public inner: StorageBackend,
    names: { kind?: string; location?: string } = {},
  ) {
    this.kind = names.kind ?? inner.kind;
    this.location = names.location ?? inner.location;
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
