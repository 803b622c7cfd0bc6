// File-system steps whose OS answers need one reading in every layer (state and storage both use them).
export { syncDirectory, syncDirectorySync } from "./folder-sync.js";
export { linkUnlessTakenSync } from "./hard-link.js";
export { isPlantedLink } from "./planted-link.js";
export { pathBelow } from "./path-below.js";
export { creationModeFor, creationModeFrom, creationModeOf, keepReplacedAttributes, keepReplacedAttributesSync, replacedAttributes } from "./replaced-file-mode.js";
export type { FileFacts, KeptAttributes } from "./replaced-file-mode.js";
export { CREATE_ANEW_FLAGS, takenNameStep } from "./made-anew.js";
export type { TakenNameFacts, TakenNameKind, TakenNameStep } from "./made-anew.js";
