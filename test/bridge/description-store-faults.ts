import type { DescriptionGetOptions, DescriptionStore } from "../../src/bridge/description-store.js";
import { StorageError } from "../../src/storage/index.js";

export interface StoreFaults {
  /** Whether get number `n` (0-based, over the store's life) fails with a retryable store error. */
  failGet?: (n: number, cid: string) => boolean;
  /** Whether get number `n` never answers (until its signal fires). */
  hangGet?: (n: number, cid: string) => boolean;
  /** Whether get number `n` never answers, its signal ignored (a store stuck inside a call). */
  deafGet?: (n: number, cid: string) => boolean;
  /** Whether puts never answer, their signal ignored. */
  deafPut?: boolean;
  /** Rewrites what a get returns (an altered copy). */
  alter?: (bytes: Uint8Array, cid: string) => Uint8Array;
}

/** A store around `inner` that fails, hangs or alters gets (and puts) as `faults` says; counts gets and puts. */
export function faultyStore(inner: DescriptionStore, faults: StoreFaults): DescriptionStore & { readonly gets: number; readonly puts: number } {
  let gets = 0;
  let puts = 0;
  return {
    kind: inner.kind,
    get gets() {
      return gets;
    },
    get puts() {
      return puts;
    },
    put(bytes, options) {
      puts++;
      return faults.deafPut === true ? new Promise<string>(() => undefined) : inner.put(bytes, options);
    },
    async get(cid: string, options: DescriptionGetOptions = {}) {
      const n = gets++;
      if (faults.deafGet?.(n, cid) === true) return new Promise<Uint8Array>(() => undefined);
      if (faults.hangGet?.(n, cid) === true) {
        return new Promise<Uint8Array>((_, reject) => {
          const signal = options.signal;
          if (signal === undefined) return;
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener("abort", () => reject(new StorageError("E_ABORTED", `get of ${cid} aborted`, { cause: signal.reason })), { once: true });
        });
      }
      if (faults.failGet?.(n, cid) === true) throw new StorageError("E_BACKEND_UNREACHABLE", `get ${n} of ${cid}: the test's store is down`);
      const bytes = await inner.get(cid, options);
      return faults.alter === undefined ? bytes : faults.alter(bytes, cid);
    },
  };
}
