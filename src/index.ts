/**
 * status-codex-compat: the public face of the library, what an embedding application uses. Each
 * layer's index is that layer's face to the other layers, the CLI among them; storage and state
 * give those some helpers of their own (durable folder making, lock files, the journal peeks the
 * CLI needs), which are not part of the package's API: re-exported here, every
 * release would have to keep them. So those two are listed name by name; test/public-api.test.ts
 * says which of their exports stay inside and fails on one nobody has placed.
 */
export * from "./errors/index.js";
export * from "./obs/index.js";
export * from "./versions/index.js";
export * from "./negotiate/index.js";
export * from "./wire/index.js";

export {
  openState,
  DEFAULT_BUSY_TIMEOUT_MS,
  StateError,
  migrationChecksum,
  MigrationCatalog,
  shippedCatalog,
  acquireMigrationLock,
  lockPathFor,
  DEFAULT_LOCK_TIMEOUT_MS,
  describeSchema,
  schemaFingerprint,
  diffSchemas,
  migrateState,
  describeJournalLoss,
  describeDataLoss,
  inspectState,
  formatUpgradeReport,
  DEFAULT_FIXTURE_SEED,
  rehearseUpgrade,
  writeFixture,
  queriesForLevel,
  runReleaseQueries,
  LEVEL1_SQL,
  LEVEL2_SQL,
  LEVEL3_SQL,
} from "./state/index.js";
export type {
  OpenStateOptions,
  StateHandle,
  StateErrorCode,
  MigrationDefinition,
  CatalogEntry,
  MigrationRun,
  Direction,
  MigrationLock,
  LockOptions,
  SchemaDescription,
  TableDescription,
  ColumnDescription,
  MigrateStateOptions,
  MigrateStateResult,
  JournalLoss,
  RollbackPlan,
  DataLoss,
  DroppedTable,
  DroppedColumn,
  StateInspection,
  AppliedMigration,
  RehearseUpgradeOptions,
  UpgradeReport,
  RehearsalCheck,
  CheckStatus,
  TableRows,
  WriteFixtureOptions,
  FixtureSummary,
  LevelQueries,
  QueryCheck,
  QueryRunResult,
  Preflight,
  PreflightTiming,
} from "./state/index.js";

export {
  StorageClient,
  STORAGE_DEFAULTS,
  systemClock,
  TransferJob,
  StorageError,
  createLocalBackend,
  createCodexBackend,
  CODEX_API_PREFIX,
  LOGOS_STORAGE_API_PREFIX,
  DEFAULT_RETRY_POLICY,
  LIGHT_RETRY_POLICY,
  backoffDelay,
  classifyFailure,
  // The words of the library's messages that name retry(), for a front end whose user has none to
  // put its own in their place (docs/storage.md, CLI); the CLI does so.
  RESUME_KEPT_PIECES,
  RETRY_STARTS_OVER,
  RETRY_FETCHES_AGAIN,
} from "./storage/index.js";
export type {
  ShareInput,
  FetchOptions,
  JobSummary,
  StorageClientOptions,
  Clock,
  TransferProgress,
  TransferJobEvents,
  ShareResult,
  FetchResult,
  FileStatus,
  Availability,
  RenewReport,
  QuotaUsage,
  ReferenceInput,
  JobKind,
  JobState,
  UploadState,
  DownloadState,
  StorageErrorCode,
  StorageBackend,
  GetResult,
  GetOptions,
  PutOptions,
  BackendCallOptions,
  SpaceInfo,
  LocalBackendOptions,
  CodexBackend,
  CodexBackendOptions,
  RetryPolicy,
  FailureKind,
} from "./storage/index.js";
