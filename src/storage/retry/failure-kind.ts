import { StorageError } from "../storage-error.js";

/**
 * What a failed attempt means for the next one:
 * - `retry`: transient (5xx, reset, cut body, timeout); worth another attempt, here or elsewhere;
 * - `next-endpoint`: this endpoint will answer the same again (4xx, missing content, bytes that do
 *   not hash to the piece's sha256); never retried on it, another endpoint may do better;
 * - `fatal`: nothing will help (caller aborted, client closed, source changed, a bug).
 */
export type FailureKind = "retry" | "next-endpoint" | "fatal";

const NEXT_ENDPOINT = new Set<string>(["E_NOT_FOUND", "E_BACKEND_REJECTED", "E_BAD_CID", "E_INTEGRITY"]);

export function classifyFailure(error: unknown): FailureKind {
  if (!(error instanceof StorageError)) return "fatal";
  if (error.retryable) return "retry";
  return NEXT_ENDPOINT.has(error.code) ? "next-endpoint" : "fatal";
}
