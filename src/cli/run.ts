import { main } from "./main.js";

/** Process entry: real stdio, exit status through process.exitCode so pending writes flush. */
const status = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = status;
