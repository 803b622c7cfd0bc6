import type { Command } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { parseCommandArgs } from "../args.js";
import { releaseTable } from "../../versions/index.js";

/** `status-compat releases`: the release table, what every other command reasons about. */
export const releasesCommand: Command = {
  path: ["releases"],
  usage: `status-compat releases [--json]

Prints every release row: its protocol version, state level and what it speaks (--json adds the
features it reads and writes). Consecutive rows must interoperate both ways; rows two apart may break.

Options:
  --json   one JSON document on stdout, with each row's features

Exit: 0 ok, 2 usage`,
  async run(args, io) {
    const { values } = parseCommandArgs("releases", args, { json: { type: "boolean" } });
    if (values.json === true) {
      io.stdout.write(JSON.stringify({ releases: releaseTable.rows }, null, 2) + "\n");
      return EXIT.OK;
    }
    for (const r of releaseTable.rows) {
      io.stdout.write(`${r.release.padEnd(8)} protocol ${r.protocol}  state ${r.stateLevel}  ${r.summary}\n`);
    }
    return EXIT.OK;
  },
};
