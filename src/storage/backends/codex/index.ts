/**
 * The Codex / Logos Storage REST backend: `createCodexBackend({ url, apiPrefix?, requestTimeoutMs?,
 * idleTimeoutMs?, logger? })`. See docs/codex-backend.md for the error mapping and timeouts.
 */
export { createCodexBackend } from "./codex-backend.js";
export type { CodexBackend } from "./codex-backend.js";
export type { CodexSpaceInfo, CodexDataItem, CodexManifest } from "./codex-answers.js";
export { CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS } from "./options.js";
export type { CodexBackendOptions } from "./options.js";
export { EMPTY_CONTENT_CID } from "./cid-text.js";
