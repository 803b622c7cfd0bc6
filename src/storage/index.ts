/**
 * Storage: share files as encrypted, pieced FileReferences over a StorageBackend (the embedded
 * local store or Codex) and fetch them back verified, through a journaled background queue that
 * resumes after a crash. See docs/storage.md.
 */
export { StorageClient } from "./storage-client.js";
export type { ShareInput, FetchOptions, FetchStreamOptions, StatusOptions, RenewDueOptions, JobSummary } from "./storage-client.js";
// What job(id) and retry(id) give: an upload's or a download's handle.
export type { AnyJob } from "./client-session.js";
export { STORAGE_DEFAULTS, systemClock } from "./client-options.js";
export type { StorageClientOptions, Clock } from "./client-options.js";
export { TransferJob } from "./transfer-job.js";
export type { TransferProgress, TransferJobEvents } from "./transfer-job.js";
export type { ShareResult } from "./upload/run-upload.js";
export type { FetchResult } from "./download/run-download.js";
export type { FileStatus, Availability } from "./availability/file-status.js";
export type { RenewReport } from "./availability/renew-pieces.js";
export type { QuotaUsage } from "./cache-store.js";
export type { ReferenceInput } from "./reference-codec.js";
export type { JobKind, JobState, UploadState, DownloadState } from "./journal/job-states.js";
export { pendingDownloadsTo, pendingUploadsOf, retriableUploadsOf, RESUME_KEPT_PIECES } from "./journal/pending-jobs.js";
export { RETRY_FETCHES_AGAIN, RETRY_STARTS_OVER } from "./retry-advice.js";
export type { PendingDownload, PendingUpload } from "./journal/pending-jobs.js";
export { StorageError } from "./storage-error.js";
// The CLI makes its home as the client makes its folders (durably, and without Node's recursive-mkdir spin).
export { makeDirectoryDurably } from "./file-io.js";
export { syncDirectory, syncDirectorySync } from "../fs/index.js";
export type { StorageErrorCode } from "./storage-error.js";
export type { StorageBackend, GetResult, GetOptions, PutOptions, BackendCallOptions, SpaceInfo } from "./backend.js";
export { createLocalBackend } from "./backends/local/index.js";
export type { LocalBackendOptions } from "./backends/local/index.js";
export { createCodexBackend, CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX } from "./backends/codex/index.js";
export type { CodexBackend, CodexBackendOptions, CodexSpaceInfo, CodexDataItem, CodexManifest } from "./backends/codex/index.js";
export { DEFAULT_RETRY_POLICY, LIGHT_RETRY_POLICY, backoffDelay, classifyFailure } from "./retry/index.js";
// For the bridge's receiver, whose fetches take the same policy fields (test/public-api.test.ts: inside only).
export { resolveRetryPolicy } from "./retry/index.js";
// For the bridge's transports, which reject with a signal's own reason (test/public-api.test.ts: inside only).
export { raceAbort } from "./abort-error.js";
// For the bridge's receiver, whose fetch times its attempts and deadline on its BridgeClock, a TimerPort (test/public-api.test.ts: inside only).
export { linkedSignal } from "./retry/index.js";
export type { LinkedSignal, TimerPort } from "./retry/index.js";
export type { RetryPolicy, FailureKind, EndpointOrder } from "./retry/index.js";
