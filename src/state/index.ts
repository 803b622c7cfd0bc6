/**
 * Local state: the client's SQLite database, its schema levels and the migration runner.
 * Everything other modules use goes through here.
 */
export { openState, DEFAULT_BUSY_TIMEOUT_MS } from "./open-state.js";
export type { OpenStateOptions, StateHandle } from "./open-state.js";
export { StateError } from "./state-error.js";
export type { StateErrorCode } from "./state-error.js";
export type { MigrationDefinition } from "./migration-definition.js";
export { migrationChecksum } from "./migration-definition.js";
export { MigrationCatalog, shippedCatalog } from "./migration-catalog.js";
export type { CatalogEntry } from "./migration-catalog.js";
export type { MigrationRun, Direction } from "./migration-step.js";
export { acquireMigrationLock, lockPathFor, DEFAULT_LOCK_TIMEOUT_MS } from "./migration-lock.js";
export type { MigrationLock, LockOptions } from "./migration-lock.js";
export { describeSchema, schemaFingerprint, diffSchemas } from "./schema-description.js";
export type { SchemaDescription, TableDescription, ColumnDescription } from "./schema-description.js";
export { migrateState } from "./migrate-state.js";
export type { MigrateStateOptions, MigrateStateResult } from "./migrate-state.js";
export { inspectState } from "./inspect-state.js";
export type { StateInspection } from "./inspect-state.js";
export type { AppliedMigration } from "./state-ledger.js";
export { rehearseUpgrade } from "./rehearsal/rehearse-upgrade.js";
export type { RehearseUpgradeOptions } from "./rehearsal/rehearse-upgrade.js";
export { formatUpgradeReport } from "./rehearsal/upgrade-report.js";
export type { UpgradeReport, RehearsalCheck, CheckStatus, TableRows } from "./rehearsal/upgrade-report.js";
export { writeFixture, DEFAULT_FIXTURE_SEED } from "./fixture/write-fixture.js";
export type { WriteFixtureOptions, FixtureSummary } from "./fixture/write-fixture.js";
export { queriesForLevel, runReleaseQueries, LEVEL1_SQL, LEVEL2_SQL, LEVEL3_SQL } from "./release-queries/index.js";
export type { LevelQueries, QueryCheck, QueryRunResult } from "./release-queries/index.js";
export type { Preflight, PreflightTiming } from "./preflight-check.js";
