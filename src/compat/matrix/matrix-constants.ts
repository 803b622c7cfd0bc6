import type { MatrixColumn } from "./matrix-types.js";

// Values the CLI's `matrix --help` shows (src/cli/commands/matrix-usage.ts), kept here, in a module
// that loads nothing, so the help does not load the checks and every layer they bring (0.6-0.8 s).
// The matrix reads them from here too: one source of each.

/** What each column proves: the report's legend and the help's list of columns. */
export const MATRIX_COLUMN_PROVES: Readonly<Record<MatrixColumn, string>> = Object.freeze({
  schema: "buf breaking (WIRE, WIRE_JSON) and the project's rules pass between the two protocol schemas",
  negotiate: "the writer picks a version the reader opens, alone and in a group with unknown members; a kind the reader lacks is flagged for the fallback text",
  wire: "envelopes the writer sends, at the negotiated version and at its own, open at the reader with every known field intact when it reads the kind (an N reader opens N+1's, docs/wire.md); the others show the fallback text",
  forward: "a message relayed by the reader (one known field changed) reaches a writer-version reader with every field intact; relayed unchanged, it is the very bytes received",
  state: "the newer release upgrades the older one's state file and down restores it; the older release runs its own queries on the upgraded file",
  storage: "files sent by the writer (inline or encrypted pieces through a StorageClient, at the negotiated version and at the writer's own) come back byte for byte at the reader's StorageClient (each side its own chunk and piece sizes), or as the fallback text when the reader lacks the kind; a switch from the writer's release to the reader's with an upload and a download half-way finishes both without sending or fetching a piece twice",
  bridge: "community descriptions a control node of the writer's release publishes (small, larger, ~1.5 MB in segments; clocks rising) reach a member of the reader's release, and a new joiner holding no clock that comes after them (the control node sends the newest again), byte for byte, the newest held last, by each path the two share (whole over Waku, pointer + Codex fetch from the local store); a superseded one replayed changes nothing",
});

/**
 * Every cell takes about a second on a laptop (the storage ones most); five minutes leaves a CI
 * machine a hundred times slower room, and still ends a cell that hangs well before a CI job's own
 * timeout (hours), with a report.
 */
export const DEFAULT_CELL_TIMEOUT_MS = 5 * 60_000;
