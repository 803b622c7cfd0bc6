import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { scrubLogFields, scrubLogText, scrubLogValue } from "./scrub-log-fields.js";
import { assertKnownOptions, describedValue, keysOf, nearestKey } from "../errors/index.js";

export type { Logger };

/**
 * Paths pino censors before a line is written. Key material must never reach a log line even
 * when a caller passes a whole object by mistake; code still must not log keys on purpose.
 */
export const REDACTED_PATHS: readonly string[] = [
  "key",
  "*.key",
  "*.*.key",
  "keys",
  "*.keys",
  "secret",
  "*.secret",
  "privateKey",
  "*.privateKey",
  "noncePrefix",
  "*.noncePrefix",
  "*.*.noncePrefix",
  "plaintext",
  "*.plaintext",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
];

export interface LoggerOptions {
  /**
   * Defaults to `STATUS_COMPAT_LOG_LEVEL` (any case, spaces around), else `info` — libraries pass `silent` when embedding.
   * A value naming no level is `info` without a word: a library writes nothing on its own, and the CLI, which passes its level, warns.
   * Given here, a level is taken in any case with spaces around, as the variable is ("INFO"); one naming no level is a RangeError.
   */
  level?: LevelWithSilent;
  /** Where JSON lines go; defaults to stderr so stdout stays for results. */
  destination?: DestinationStream;
  name?: string;
}

/** The keys LoggerOptions has (the compiler holds the two together); createLogger refuses any other. */
const LOGGER_OPTIONS = keysOf<LoggerOptions>()({ level: true, destination: true, name: true });

export const LOG_LEVELS: readonly LevelWithSilent[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** A level as people write it in env files ("DEBUG", " info "); undefined when it names none. */
export function parseLogLevel(raw: string | undefined): LevelWithSilent | undefined {
  const wanted = raw?.trim().toLowerCase();
  return LOG_LEVELS.find((level) => level === wanted);
}

function levelFromEnv(): LevelWithSilent | undefined {
  return parseLogLevel(process.env["STATUS_COMPAT_LOG_LEVEL"]);
}

/**
 * The level option, checked: pino threw its own Error ("unknown level verbose"), naming neither the
 * option nor the levels. Another case or spaces around ("INFO", " warn ") name one level without
 * doubt and are taken, as STATUS_COMPAT_LOG_LEVEL takes them: apps fill both from one settings file.
 * Null is left out, as `??` always read it.
 */
function levelOption(level: unknown): LevelWithSilent | undefined {
  if (level === undefined || level === null) return undefined;
  const parsed = typeof level === "string" ? parseLogLevel(level) : undefined;
  if (parsed !== undefined) return parsed;
  const near = typeof level === "string" ? nearestKey(level.trim(), LOG_LEVELS) : undefined;
  throw new RangeError(
    `createLogger option level must be one of ${LOG_LEVELS.join(", ")} (in any case), not ${describedValue(level)}${near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`}`,
  );
}

export function createLogger(options: LoggerOptions = {}): Logger {
  assertKnownOptions("createLogger", options, LOGGER_OPTIONS);
  return scrubChildBindings(pino(
    {
      name: options.name ?? "status-compat",
      level: levelOption(options.level) ?? levelFromEnv() ?? "info",
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
      // At any depth, which redact paths cannot say: a whole result, row or input logged by mistake.
      formatters: { log: scrubLogFields },
      // scrubLogFields already wrote every error as pino's serializer does (then scrubbed it).
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          // A first object is the line's fields (formatters.log scrubs them); anything else is the message or a
          // value it interpolates (%s, %j, %o), which pino writes into the message past every formatter.
          const scrubbed: unknown[] = args.map((arg: unknown, at: number) => (at === 0 && isFields(arg) ? arg : scrubMessagePart(arg)));
          // Given no message, pino writes the error's own as the line's (log.error(err), log.error({ err })),
          // past every formatter: given here, scrubbed, it is the same text without the credentials.
          const fromError = args.length === 1 ? messageOfError(args[0]) : undefined;
          if (fromError !== undefined) scrubbed.push(scrubLogText(fromError));
          method.apply(this, scrubbed as typeof args);
        },
      },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  ));
}

/**
 * A child's bindings (`logger.child({ endpoint })`) are serialized once, when it is made, and pino
 * gives every child a bindings formatter that passes them through: neither the log formatter nor
 * one of ours sees them. So they are scrubbed on their way in; children inherit `child` from the
 * root, so a child's children are too.
 */
function scrubChildBindings(root: Logger): Logger {
  const child = root.child;
  root.child = function (this: Logger, bindings: Record<string, unknown>, childOptions?: object) {
    return child.call(this, scrubLogFields(bindings), childOptions);
  } as typeof child;
  return root;
}

/** An object pino takes as the line's fields; bytes there were written byte by byte ("0":84,"1":79,…), so they become the message. */
function isFields(arg: unknown): boolean {
  return typeof arg === "object" && arg !== null && !ArrayBuffer.isView(arg) && !(arg instanceof ArrayBuffer) && !(arg instanceof SharedArrayBuffer);
}

/** A message or an interpolated value, as it would be written but without secrets: an error as its text (%s of it), bytes as their size. */
function scrubMessagePart(part: unknown): unknown {
  if (typeof part === "string") return scrubLogText(part);
  if (part instanceof Error) return scrubLogText(String(part));
  return typeof part === "object" && part !== null ? scrubLogValue(part) : part;
}

/** The message pino would take from a line's only argument: an error's, or its `err` field's when it has no `msg`. */
function messageOfError(arg: unknown): string | undefined {
  if (arg instanceof Error) return arg.message;
  if (typeof arg !== "object" || arg === null) return undefined;
  const fields = arg as { msg?: unknown; err?: unknown };
  if (fields.msg !== undefined || typeof fields.err !== "object" || fields.err === null) return undefined;
  const message = (fields.err as { message?: unknown }).message;
  return typeof message === "string" ? message : undefined;
}

/** A logger that writes nothing and costs nothing on the hot path; the library default. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** One child per component so every line says where it came from (`component: "storage.queue"`). */
export function componentLogger(parent: Logger, component: string): Logger {
  return parent.child({ component });
}
