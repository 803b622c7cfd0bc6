import { StorageError } from "../storage-error.js";

/**
 * What a failed attempt means for the next one:
 * - `retry`: transient (5xx, reset, cut body, timeout); worth another attempt, here or elsewhere;
 * - `next-endpoint`: this endpoint will answer the same again (4xx, missing content, bytes that do
 *   not hash to the piece's sha256, a node whose storage is full, a backend the application closed);
 *   never retried on it, another endpoint may do better;
 * - `fatal`: nothing will help (caller aborted, source changed, a bug).
 *
 * E_CLIENT_CLOSED from a backend means that backend was closed: one endpoint out, not the job's end
 * (a full-mode client's own node closed while its fallbacks still work). A client that is itself
 * stopping aborts the job's signal, which withRetries checks before it classifies; with no endpoint
 * left the backend's E_CLIENT_CLOSED is what the job fails with, as before.
 */
export type FailureKind = "retry" | "next-endpoint" | "fatal";

const NEXT_ENDPOINT = new Set<string>(["E_NOT_FOUND", "E_BACKEND_REJECTED", "E_BAD_CID", "E_INTEGRITY", "E_CLIENT_CLOSED", "E_QUOTA_EXCEEDED"]);

export function classifyFailure(error: unknown): FailureKind {
  if (!(error instanceof StorageError)) return "fatal";
  if (error.retryable) return "retry";
  return NEXT_ENDPOINT.has(error.code) ? "next-endpoint" : "fatal";
}
