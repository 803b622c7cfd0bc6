/**
 * status-codex-compat: the public face of the library. Each layer's index is its own public face;
 * this file re-exports what an embedding application uses.
 */
export * from "./errors/index.js";
export * from "./obs/index.js";
export * from "./versions/index.js";
export * from "./negotiate/index.js";
export * from "./wire/index.js";
export * from "./state/index.js";
export * from "./storage/index.js";
