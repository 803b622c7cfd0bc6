import type { CommandEntry } from "../command.js";

/**
 * Every command of `status-compat`: its words, its line in the overview, and its module, imported
 * only when the command is asked for (see CommandEntry). Add one entry per new command.
 */
export const commands: readonly CommandEntry[] = [
  { path: ["matrix"], summary: "check every adjacent release pair, both directions (the main job of `npm start`)", load: async () => (await import("./matrix.js")).matrixCommand, usage: async () => (await import("./matrix-usage.js")).MATRIX_USAGE },
  { path: ["releases"], summary: "print the release table (release, protocol, state level, what it speaks)", load: async () => (await import("./releases.js")).releasesCommand, usage: async () => (await import("./releases.js")).releasesCommand.usage },
  { path: ["schema", "check"], summary: "static compatibility checks between protocol schema versions (buf breaking + project rules)", load: async () => (await import("./schema-check.js")).schemaCheckCommand, usage: async () => (await import("./schema-check-usage.js")).SCHEMA_CHECK_USAGE },
  { path: ["migrate"], summary: "local state database: show its level, apply or revert migrations", load: async () => (await import("./migrate.js")).migrateCommand, usage: async () => (await import("./migrate-usage.js")).MIGRATE_USAGE },
  { path: ["upgrade"], summary: "rehearse (or run) a state database upgrade between two releases, with checks on a copy", load: async () => (await import("./upgrade.js")).upgradeCommand, usage: async () => (await import("./upgrade.js")).upgradeCommand.usage },
  { path: ["state", "fixture"], summary: "write a realistic state database at a release's level (tests, benchmarks, rehearsals)", load: async () => (await import("./state-fixture.js")).stateFixtureCommand, usage: async () => (await import("./state-fixture-usage.js")).STATE_FIXTURE_USAGE },
  { path: ["file", "put"], summary: "share a file: encrypt, upload in pieces, print its FileReference as JSON", load: async () => (await import("./file.js")).filePutCommand, usage: async () => (await import("./file-usage.js")).FILE_PUT_USAGE },
  { path: ["file", "get"], summary: "fetch a shared file from its FileReference (base64) and write it, verified", load: async () => (await import("./file.js")).fileGetCommand, usage: async () => (await import("./file-usage.js")).FILE_GET_USAGE },
];
