export { CompatError, isCompatError, hasErrorCode } from "./compat-error.js";
export type { ErrorLayer, CompatErrorOptions } from "./compat-error.js";
export { assertKnownOptions, keysOf, unknownOptionKey, unknownOptionMessage } from "./unknown-options.js";
