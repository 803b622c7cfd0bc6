import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { scrubLogFields, scrubLogText } from "./scrub-log-fields.js";

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
   */
  level?: LevelWithSilent;
  /** Where JSON lines go; defaults to stderr so stdout stays for results. */
  destination?: DestinationStream;
  name?: string;
}

export const LOG_LEVELS: readonly LevelWithSilent[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** A level as people write it in env files ("DEBUG", " info "); undefined when it names none. */
export function parseLogLevel(raw: string | undefined): LevelWithSilent | undefined {
  const wanted = raw?.trim().toLowerCase();
  return LOG_LEVELS.find((level) => level === wanted);
}

function levelFromEnv(): LevelWithSilent | undefined {
  return parseLogLevel(process.env["STATUS_COMPAT_LOG_LEVEL"]);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? "status-compat",
      level: options.level ?? levelFromEnv() ?? "info",
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
      // At any depth, which redact paths cannot say: a whole result, row or input logged by mistake.
      formatters: { log: scrubLogFields },
      // scrubLogFields already wrote every error as pino's serializer does (then scrubbed it).
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg: unknown) => (typeof arg === "string" ? scrubLogText(arg) : arg)) as typeof args);
        },
      },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that writes nothing and costs nothing on the hot path; the library default. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** One child per component so every line says where it came from (`component: "storage.queue"`). */
export function componentLogger(parent: Logger, component: string): Logger {
  return parent.child({ component });
}
