import { describedValue } from "../errors/index.js";
import { StorageError } from "./storage-error.js";

/**
 * A job's id as job(), retry() and cancel() take it: a string. A handle or summary passed whole
 * (`client.retry(job)`, the likeliest slip) or any other value reached SQLite and came back as its
 * raw RangeError ("Too few parameter values were provided") or TypeError ("SQLite3 can only bind
 * numbers, strings, ..."), which named neither the call nor the mistake. E_JOB_UNKNOWN, as for an
 * id the journal does not know, saying what was given and what to pass.
 */
export function checkJobId(method: string, id: unknown): asserts id is string {
  if (typeof id === "string") return;
  const handle = typeof id === "object" && id !== null && typeof (id as { id?: unknown }).id === "string";
  const given = handle ? `a job's handle or summary, not its id (pass job.id)` : describedValue(id);
  throw new StorageError("E_JOB_UNKNOWN", `${method}() takes a job's id (a string); it was given ${given}`, { details: { given: handle ? "job" : typeof id } });
}
