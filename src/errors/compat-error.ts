/**
 * The base of every error this package throws on purpose.
 *
 * Each layer (wire, versions, negotiate, state, storage, crypto, compat, bridge, cli) has one subclass
 * with a closed union of stable `code`s. Callers branch on `code`, never on `message`; the
 * message is for people (what happened, on which file/CID/version, what to do next).
 */
export type ErrorLayer =
  | "versions"
  | "wire"
  | "negotiate"
  | "crypto"
  | "state"
  | "storage"
  | "compat"
  | "bridge"
  | "cli";

export interface CompatErrorOptions {
  /** The underlying error, kept for diagnosis; never shown as the reason. */
  cause?: unknown;
  /** Machine-readable context (names, sizes, versions). Never key material or file contents. */
  details?: Record<string, unknown>;
}

export abstract class CompatError<C extends string = string> extends Error {
  abstract readonly layer: ErrorLayer;
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, options: CompatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): { name: string; layer: ErrorLayer; code: C; message: string; details: Readonly<Record<string, unknown>> } {
    return { name: this.name, layer: this.layer, code: this.code, message: this.message, details: this.details };
  }
}

export function isCompatError(value: unknown): value is CompatError {
  return value instanceof CompatError;
}

/**
 * Each layer's error class by layer name. This module imports no layer, so each adds its own, by
 * declaration merging in its `<layer>-error.ts` (`declare module "../errors/index.js" { interface
 * CompatErrorClasses { wire: WireError } }`), for hasErrorCode to narrow a code to its class.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface -- filled by the layers
export interface CompatErrorClasses {}

/** The error class(es) whose codes hold `C`, with `code` narrowed to `C`; `CompatError<C>` for a code no layer has. */
export type CompatErrorWithCode<C extends string> = [ClassesWithCode<C>] extends [never] ? CompatError<C> : ClassesWithCode<C> & { readonly code: C };

type ClassesWithCode<C extends string> = {
  [L in keyof CompatErrorClasses]: C extends CompatErrorClasses[L]["code"] ? CompatErrorClasses[L] : never;
}[keyof CompatErrorClasses];

/**
 * True when `value` is a CompatError carrying `code`; lets callers narrow without importing a layer's
 * class: to the class that code belongs to (a wire code to WireError, whose details are typed), so
 * `error.details.fallbackText` after `hasErrorCode(error, "E_VERSION_UNSUPPORTED")` needs no cast.
 */
export function hasErrorCode<C extends string>(value: unknown, code: C): value is CompatErrorWithCode<C> {
  return value instanceof CompatError && value.code === code;
}
