/** A stand-in for a running app: holds the storage-client lock of the state database <path>, prints `locked`, and waits to be killed. */
import { clientLockPathOf, LockFile } from "../../../src/state/index.js";

const path = process.argv[2];
if (path === undefined) process.exit(2);
const lock = LockFile.open(clientLockPathOf(path));
if (!lock.tryTake()) {
  process.stdout.write("busy\n");
  process.exit(3);
}
process.stdout.write("locked\n");
// The timer refers to the lock: a lock nothing refers to is collected, and its connection's
// finalizer lets go of the OS lock while this process lives on (seen under load).
setInterval(() => lock, 60_000);
