/**
 * keccak256 (the Ethereum hash, not NIST SHA3-256), which Status signs and names messages by.
 *
 * Node 20's OpenSSL 3.0 has SHA3 (another padding) but no keccak256. noble's keccak is JavaScript,
 * ~13 MB/s here: 0.1-0.4 s for a 1.5 MB community description, which the bridge hashes when it
 * seals, segments, reassembles and verifies one. hash-wasm's WebAssembly keccak gives the same
 * digests at ~300 MB/s (bench/RESULTS.md, "## bridge"). WebAssembly compiles asynchronously
 * (hash-wasm has no synchronous way in), while callers hash synchronously: so the first call
 * starts the WebAssembly load and is answered by noble, and every call once it is loaded (a few
 * milliseconds later, as soon as the event loop turns) by WebAssembly. `loadKeccak256()` lets an
 * async start wait for it. Neither is loaded at import: the layers that import crypto and never
 * hash with keccak (the storage client, the CLI's file commands) pay for neither.
 */
import { createRequire } from "node:module";
import type * as Sha3 from "@noble/hashes/sha3.js";
import type { IHasher } from "hash-wasm";
import { CryptoError } from "./crypto-error.js";

export const KECCAK256_BYTES = 32;

/** Which implementation answers `keccak256` now. */
export type Keccak256Implementation = "wasm" | "js";

const load = createRequire(import.meta.url);
let wasm: IHasher | undefined;
let loading: Promise<Keccak256Implementation> | undefined;
let js: typeof Sha3.keccak_256 | undefined;

/** keccak256 of `bytes`: 32 bytes. */
export function keccak256(bytes: Uint8Array): Uint8Array {
  // Both would take more than bytes (a string as UTF-8; hash-wasm any typed array): one answer for either.
  if (!(bytes instanceof Uint8Array)) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", "keccak256 hashes a Uint8Array", { details: { param: "bytes" } });
  }
  // One shared hasher: init, update and digest run without yielding, so no call sees another's state.
  if (wasm !== undefined) return wasm.init().update(bytes).digest("binary");
  void loadKeccak256();
  return (js ??= (load("@noble/hashes/sha3") as typeof Sha3).keccak_256)(bytes);
}

/**
 * Loads the WebAssembly keccak256 (once; later calls share the first): resolves with the
 * implementation in use from then on. It never rejects: where WebAssembly cannot be had (a
 * `--jitless` Node), noble answers every call, with the same digests.
 */
export function loadKeccak256(): Promise<Keccak256Implementation> {
  // hash-wasm's keccak build alone (11 KB): its index carries every algorithm's binary (4 ms to require against 16 ms).
  loading ??= Promise.resolve()
    .then(() => (load("hash-wasm/dist/keccak.umd.min.js") as Pick<typeof import("hash-wasm"), "createKeccak">).createKeccak(256))
    .then(
      (hasher): Keccak256Implementation => {
        wasm = hasher;
        return "wasm";
      },
      (): Keccak256Implementation => "js",
    );
  return loading;
}

/** Which implementation answers `keccak256` now: "js" until the WebAssembly one is loaded. */
export function keccak256Implementation(): Keccak256Implementation {
  return wasm === undefined ? "js" : "wasm";
}
