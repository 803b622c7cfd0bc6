// File-system steps whose OS answers need one reading in every layer (state and storage both use them).
export { syncDirectory, syncDirectorySync } from "./folder-sync.js";
export { linkUnlessTakenSync } from "./hard-link.js";
export { isPlantedLink } from "./planted-link.js";
export { creationModeFor, creationModeOf, keepReplacedAttributes, keepReplacedAttributesSync } from "./replaced-file-mode.js";
