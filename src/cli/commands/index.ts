import type { Command } from "../command.js";
import { matrixCommand } from "./matrix.js";
import { releasesCommand } from "./releases.js";
import { schemaCheckCommand } from "./schema-check.js";
import { migrateCommand } from "./migrate.js";
import { upgradeCommand } from "./upgrade.js";
import { stateFixtureCommand } from "./state-fixture.js";
import { fileCommands } from "./file.js";

/** Every command of `status-compat`; add one line per new command. */
export const commands: readonly Command[] = [
  matrixCommand,
  releasesCommand,
  schemaCheckCommand,
  migrateCommand,
  upgradeCommand,
  stateFixtureCommand,
  ...fileCommands,
];
