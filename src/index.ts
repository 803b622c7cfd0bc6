/**
 * status-codex-compat: the public face of the library, what an embedding application uses. Each
 * layer's index is that layer's face to the other layers, the CLI among them; storage and state
 * give those some helpers of their own (durable folder making, lock files, the journal peeks the
 * CLI needs), which are not part of the package's API: re-exported here, every
 * release would have to keep them. So those two are listed name by name, and errors' (its
 * option-key helpers are for the layers); test/public-api.test.ts
 * says which of their exports stay inside and fails on one nobody has placed.
 */
export { CompatError, isCompatError, hasErrorCode } from "./errors/index.js";
export type { ErrorLayer, CompatErrorOptions } from "./errors/index.js";
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
  MAX_LOCK_TIMEOUT_MS,
  describeSchema,
  schemaFingerprint,
  diffSchemas,
  migrateState,
  describeJournalLoss,
  describeDataLoss,
  inspectState,
  inspectStateWaiting,
  formatUpgradeReport,
  DEFAULT_FIXTURE_SEED,
  MAX_FIXTURE_SEED,
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
  IndexDescription,
  ForeignKeyDescription,
  MigrateStateOptions,
  MigrateStateResult,
  JournalLoss,
  RollbackPlan,
  DataLoss,
  DroppedTable,
  DroppedColumn,
  StateInspection,
  InspectStateOptions,
  InspectStateWaitingOptions,
  AppliedMigration,
  RehearseUpgradeOptions,
  UpgradeReport,
  RehearsalCheck,
  CheckStatus,
  TableRows,
  WorkFolderRoom,
  WriteFixtureOptions,
  FixtureSummary,
  LevelQueries,
  QueryCheck,
  QueryRandom,
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
  FetchStreamOptions,
  StatusOptions,
  RenewDueOptions,
  JobSummary,
  AnyJob,
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
  CodexSpaceInfo,
  CodexDataItem,
  CodexManifest,
  RetryPolicy,
  FailureKind,
  EndpointOrder,
} from "./storage/index.js";

/**
 * The description bridge (docs/bridge.md): what a Status app embeds to propagate its communities'
 * descriptions (a control node's DescriptionPublisher, a member's DescriptionReceiver, their
 * transports and stores). package.json exports only this entry, so a layer left out here is out of
 * an app's reach. Its index is all public (the layer's own helpers are not in it); importing it
 * loads neither noble (on first signature or topic) nor js-waku (when the first relay transport
 * starts).
 */
export * from "./bridge/index.js";
