/**
 * Child process for the multi-process tests: opens (and so migrates) a state database the way a
 * client does at startup. Prints `ready` once loaded, then one JSON line with what it did.
 * argv: <path> [lockTimeoutMs]
 */
import { openState, StateError } from "../../../src/state/index.js";

const [path, lockTimeout] = process.argv.slice(2);
if (path === undefined) {
  process.stderr.write("usage: migrate-child <path> [lockTimeoutMs]\n");
  process.exit(2);
}
process.stdout.write("ready\n");
try {
  const h = await openState({ path, ...(lockTimeout === undefined ? {} : { lockTimeoutMs: Number(lockTimeout) }) });
  process.stdout.write(JSON.stringify({ applied: h.applied.map((a) => a.name), level: h.level }) + "\n");
  h.close();
} catch (error) {
  if (!(error instanceof StateError)) throw error;
  process.stdout.write(JSON.stringify({ error: error.code, message: error.message }) + "\n");
  process.exitCode = 4;
}
