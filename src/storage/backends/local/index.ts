/**
 * The embedded default backend: `createLocalBackend({ dir, logger? })`, a content-addressed store on
 * disk (CIDv1 raw sha2-256, base58btc), atomic writes, no server.
 */
export { createLocalBackend } from "./local-backend.js";
export type { LocalBackendOptions } from "./local-backend.js";
export { cidOfDigest, digestOfCid, RAW_CODEC, SHA2_256 } from "../../content-id.js";
