import type { CliIo } from "./command.js";
import { exitCodeFor } from "./exit-codes.js";
import type { CompatError } from "../errors/index.js";

/**
 * A command run with --json that the state refused: scripts parse stdout, so the refusal goes
 * there as one object, `{ path, error }` (the error's code, message and details, which for a
 * data-loss refusal name every table), as well as the human line on stderr. Returns the exit
 * status the error has without --json.
 */
export function writeJsonRefusal(io: CliIo, command: string, path: string, error: CompatError): number {
  io.stdout.write(JSON.stringify({ path, error: error.toJSON() }, null, 2) + "\n");
  io.stderr.write(`status-compat ${command}: error[${error.code}]: ${error.message}\n`);
  return exitCodeFor(error);
}
