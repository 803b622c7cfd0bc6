import { execFile } from "node:child_process";
import { SchemaCheckError } from "./schema-check-error.js";

/** One line of `buf breaking --error-format json`. */
export interface BufViolation {
  readonly path: string;
  readonly line: number;
  readonly type: string;
  readonly message: string;
}

export interface RunBufOptions {
  readonly binary: string;
  readonly signal?: AbortSignal;
  /** buf answers in well under a second; a minute means it hangs. */
  readonly timeoutMs?: number;
}

/** Both of buf's wire-level categories; the project runs them together, in one call. */
const BUF_CONFIG = JSON.stringify({ version: "v2", breaking: { use: ["WIRE", "WIRE_JSON"] } });
const EXIT_BREAKING = 100;
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * `buf breaking` of `newerDir` against `olderDir`, the only way that works with an inline config
 * (facts/compat-tooling.md §2): run from inside the newer folder, `.` as input, the inline config
 * for both sides so no buf.yaml around them changes the rules. buf checks one direction; newer
 * against older is the one that makes sense. Exit 0 = clean, 100 = findings (or compile errors).
 */
export async function runBufBreaking(olderDir: string, newerDir: string, options: RunBufOptions): Promise<BufViolation[]> {
  const args = ["breaking", ".", "--against", olderDir, "--config", BUF_CONFIG, "--against-config", BUF_CONFIG, "--error-format", "json"];
  // The caller's signal or the timeout. Not AbortSignal.any: on Node 20 it leaves an entry on the
  // caller's signal (maybe long-lived) per call until that signal fires; this listener goes at the end.
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort(new DOMException("buf breaking timed out", "TimeoutError"));
  }, options.timeoutMs ?? 60_000);
  // As AbortSignal.timeout's: the child holds the process open while it runs, the timer need not.
  timer.unref();
  const onAbort = (): void => stop.abort(options.signal?.reason);
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  let outcome: { status: number | string | undefined; stdout: string; stderr: string; error?: Error };
  try {
    outcome = await new Promise((resolve) => {
      execFile(options.binary, args, { cwd: newerDir, signal: stop.signal, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true }, (err, out, errOut) => {
        const code = err === null ? 0 : (err as NodeJS.ErrnoException & { code?: number | string }).code;
        resolve({ status: code, stdout: String(out), stderr: String(errOut), ...(err === null ? {} : { error: err }) });
      });
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  const { status, stdout, stderr, error } = outcome;

  if (options.signal?.aborted === true) throw options.signal.reason;
  if (timedOut) {
    throw new SchemaCheckError("E_TOOL_FAILED", `buf breaking did not finish within ${(options.timeoutMs ?? 60_000) / 1000} s`, {
      details: { older: olderDir, newer: newerDir },
    });
  }
  if (status === "ENOENT" || status === "EACCES") {
    throw new SchemaCheckError("E_TOOL_MISSING", `cannot run buf at ${options.binary} (${status})`, { cause: error, details: { path: options.binary } });
  }
  if (status === 0) return [];
  if (status !== EXIT_BREAKING) {
    throw new SchemaCheckError(
      "E_TOOL_FAILED",
      `buf breaking failed (exit ${String(status)}) comparing ${newerDir} against ${olderDir}: ${excerpt(stderr || stdout)}`,
      { cause: error, details: { older: olderDir, newer: newerDir, exit: status } },
    );
  }

  const violations = parseViolations(stdout);
  const compile = violations.filter((v) => v.type === "COMPILE");
  if (compile.length > 0) {
    throw new SchemaCheckError(
      "E_SCHEMA_INVALID",
      `buf cannot compile the schemas (${newerDir} against ${olderDir}): ` + compile.map((v) => `${v.path}:${v.line}: ${v.message}`).join("; "),
      { details: { older: olderDir, newer: newerDir } },
    );
  }
  if (violations.length === 0) {
    throw new SchemaCheckError("E_TOOL_FAILED", `buf breaking exited ${EXIT_BREAKING} without any finding: ${excerpt(stderr)}`, {
      details: { older: olderDir, newer: newerDir },
    });
  }
  return violations;
}

function parseViolations(stdout: string): BufViolation[] {
  const violations: BufViolation[] = [];
  for (const raw of stdout.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new SchemaCheckError("E_TOOL_FAILED", `buf printed a line that is not JSON: ${excerpt(line)}`, { cause: error });
    }
    const v = parsed as Record<string, unknown>;
    if (typeof v["path"] !== "string" || typeof v["type"] !== "string" || typeof v["message"] !== "string") {
      throw new SchemaCheckError("E_TOOL_FAILED", `buf printed an unexpected finding: ${excerpt(line)}`);
    }
    violations.push({
      path: v["path"],
      line: typeof v["start_line"] === "number" ? v["start_line"] : 0,
      type: v["type"],
      message: v["message"],
    });
  }
  return violations;
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 2000 ? `${trimmed.slice(0, 2000)}…` : trimmed || "(no output)";
}
