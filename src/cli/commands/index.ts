import type { Command } from "../command.js";
import { releasesCommand } from "./releases.js";
import { schemaCheckCommand } from "./schema-check.js";

/** Every command of `status-compat`; add one line per new command. */
export const commands: readonly Command[] = [
  releasesCommand,
  schemaCheckCommand,
];
