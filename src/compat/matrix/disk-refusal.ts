import { isCompatError } from "../../errors/index.js";

/** SQLite's and the OS's codes for a disk that refused a write: full, over a quota or size limit, failing. */
const REFUSED = /^(SQLITE_(FULL|IOERR)|ENOSPC$|EDQUOT$|EFBIG$|EIO$)/;

/** Whether an OS or SQLite error code is a disk's refusal of a write. */
export function isDiskRefusalCode(code: unknown): code is string {
  return typeof code === "string" && REFUSED.test(code);
}

/**
 * The code of the disk's refusal behind a cell's error (the state layer's E_STATE_IO, the storage
 * layer's E_LOCAL_IO, with the OS or SQLite code in their details or cause), if that is what it was:
 * the matrix's work folder could not hold its files, which says nothing about the releases.
 */
export function diskRefusalOf(error: unknown): string | undefined {
  if (!isCompatError(error) || (error.code !== "E_STATE_IO" && error.code !== "E_LOCAL_IO")) return undefined;
  const codes = [error.details["code"], error.details["sqliteCode"], (error.cause as { code?: unknown } | undefined)?.code];
  return codes.find(isDiskRefusalCode);
}
