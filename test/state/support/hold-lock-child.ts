/** Child process that takes the migration lock of <path>, prints `locked`, and waits to be killed. */
import { acquireMigrationLock } from "../../../src/state/index.js";

const path = process.argv[2];
if (path === undefined) process.exit(2);
await acquireMigrationLock(path, { timeoutMs: 5_000 });
process.stdout.write("locked\n");
setInterval(() => undefined, 60_000);
