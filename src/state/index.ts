/**
 * Local state: the client's SQLite database, its schema levels and the migration runner.
 * Everything other modules use goes through here.
 */
import type { FixtureSummary, WriteFixtureOptions } from "./fixture/write-fixture.js";
import type { RehearseUpgradeOptions } from "./rehearsal/rehearse-upgrade.js";
import type { UpgradeReport } from "./rehearsal/upgrade-report.js";

export { openState, DEFAULT_BUSY_TIMEOUT_MS } from "./open-state.js";
export type { OpenStateOptions, StateHandle } from "./open-state.js";
export { StateError } from "./state-error.js";
export { requireSqliteModule } from "./sqlite-module.js";
export { truncateWal, withoutBusyWait } from "./state-file.js";
export { isBusy } from "./busy-retry.js";
export type { StateErrorCode } from "./state-error.js";
export { communityRows } from "./community-rows.js";
export type { CommunityRow, CommunityRows, PointerRow, RefusedRow } from "./community-rows.js";
export type { MigrationDefinition } from "./migration-definition.js";
export { migrationChecksum } from "./migration-definition.js";
export { MigrationCatalog, shippedCatalog } from "./migration-catalog.js";
export type { CatalogEntry } from "./migration-catalog.js";
export type { MigrationRun, Direction } from "./migration-step.js";
export { acquireMigrationLock, lockPathFor, DEFAULT_LOCK_TIMEOUT_MS, MAX_LOCK_TIMEOUT_MS } from "./migration-lock.js";
export type { MigrationLock, LockOptions } from "./migration-lock.js";
export { LockFile } from "./lock-file.js";
export { OWNER_LOCK, removeAbandonedFolders } from "./owned-folders.js";
export { clientLockPathOf } from "./client-hold.js";
export { describeSchema, schemaFingerprint, diffSchemas } from "./schema-description.js";
export type { SchemaDescription, TableDescription, ColumnDescription, IndexDescription, ForeignKeyDescription } from "./schema-description.js";
export { migrateState } from "./migrate-state.js";
export type { MigrateStateOptions, MigrateStateResult } from "./migrate-state.js";
export type { JournalLoss, RollbackPlan } from "./rollback-loss.js";
export { describeLoss as describeJournalLoss } from "./rollback-loss.js";
export type { DataLoss, DroppedTable, DroppedColumn } from "./data-loss.js";
export { describeDataLoss } from "./data-loss.js";
export { inspectState, inspectStateWaiting, type InspectStateOptions, type InspectStateWaitingOptions } from "./inspect-state.js";
export type { StateInspection } from "./inspect-state.js";
export type { AppliedMigration } from "./state-ledger.js";
export type { RehearseUpgradeOptions } from "./rehearsal/rehearse-upgrade.js";
export { formatUpgradeReport } from "./rehearsal/upgrade-report.js";
export { workFolderRoomText, type WorkFolderRoom } from "./rehearsal/work-folder-room.js";
export type { UpgradeReport, RehearsalCheck, CheckStatus, TableRows } from "./rehearsal/upgrade-report.js";
export { DEFAULT_FIXTURE_SEED, MAX_FIXTURE_SEED } from "./fixture/fixture-seed.js";
export type { WriteFixtureOptions, FixtureSummary } from "./fixture/write-fixture.js";

// The rehearsal and the fixture writer are tools: loaded on first call, so an application that
// only opens its state (a storage client) does not carry them; nor umzug, which is loaded only
// when a migration runs (migration-runner.ts).

/** See rehearsal/rehearse-upgrade.ts. */
export async function rehearseUpgrade(options: RehearseUpgradeOptions): Promise<UpgradeReport> {
  const { rehearseUpgrade: rehearse } = await import("./rehearsal/rehearse-upgrade.js");
  return rehearse(options);
}

/** See fixture/write-fixture.ts. */
export async function writeFixture(options: WriteFixtureOptions): Promise<FixtureSummary> {
  const { writeFixture: write } = await import("./fixture/write-fixture.js");
  return write(options);
}
export { queriesForLevel, runReleaseQueries, LEVEL1_SQL, LEVEL2_SQL, LEVEL3_SQL } from "./release-queries/index.js";
export type { LevelQueries, QueryCheck, QueryRandom, QueryRunResult } from "./release-queries/index.js";
export type { Preflight, PreflightTiming } from "./preflight-check.js";
