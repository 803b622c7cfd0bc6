/**
 * Static and cross-version compatibility checks. Each part lives in its own folder; this file is
 * the module's public face.
 */
export * from "./schema-check/index.js";
export * from "./matrix/index.js";
