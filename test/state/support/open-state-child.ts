// Opens a state database as the arguments say and prints the outcome as one JSON line:
// { level } or { code, message }. Run as a child so it can run as another user.
import { openState, StateError } from "../../../src/state/index.js";

const [path, mode] = process.argv.slice(2) as [string, string];
try {
  const handle = await openState({ path, readOnly: mode === "read-only", migrate: false });
  process.stdout.write(JSON.stringify({ level: handle.level }) + "\n");
  handle.close();
} catch (error) {
  if (!(error instanceof StateError)) throw error;
  process.stdout.write(JSON.stringify({ code: error.code, message: error.message }) + "\n");
}
