export { main } from "./main.js";
export type { CliIo, Command } from "./command.js";
export { EXIT, exitCodeFor } from "./exit-codes.js";
export { CliError } from "./usage-error.js";
