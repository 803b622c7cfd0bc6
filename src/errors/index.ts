export { CompatError, isCompatError, hasErrorCode } from "./compat-error.js";
export type { ErrorLayer, CompatErrorOptions, CompatErrorClasses, CompatErrorWithCode } from "./compat-error.js";
export { assertKnownOptions, keysOf, nearestKey, unknownOptionKey, unknownOptionMessage } from "./unknown-options.js";
export { describedValue } from "./described-value.js";
export { optionsShapeMessage } from "./options-shape.js";
export { signalOptionProblem } from "./signal-option.js";
export { rangeSlip } from "./range-slip.js";
