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
