/** Child process that takes the migration lock of <path>, prints `locked`, and waits to be killed. */
import { acquireMigrationLock } from "../../../src/state/index.js";

const path = process.argv[2];
if (path === undefined) process.exit(2);
const lock = await acquireMigrationLock(path, { timeoutMs: 5_000 });
process.stdout.write("locked\n");
// The timer refers to the lock: a lock nothing refers to is collected, and its connection's
// finalizer lets go of the OS lock while this process lives on (seen with the client-lock child).
setInterval(() => lock, 60_000);
