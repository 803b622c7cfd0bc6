// The REST prefixes a Codex node serves, in a module that loads nothing: the CLI's `file --help`
// shows them (src/cli/commands/file-usage.ts) without loading the storage layer (0.5 s), and the
// backend reads them from here too (options.ts), one source of each.

/** REST prefix of Codex builds up to Dec 2025 (and of `@codex-storage/sdk-js`). */
export const CODEX_API_PREFIX = "/api/codex/v1";
/** REST prefix of current Logos Storage nodes (the renamed project). */
export const LOGOS_STORAGE_API_PREFIX = "/api/storage/v1";
