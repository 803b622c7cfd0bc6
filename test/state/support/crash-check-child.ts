/**
 * Child process for crash-safety.test.ts: checks a file a SIGKILLed migration left, lets the next
 * run finish it and compares its data with the base it was copied from (crash-check.ts). In a
 * process of its own so the test's thread never blocks for the seconds these take on 200,000
 * rows: it kills the other migrating child on a timer, which must fire on time.
 * argv: <base>. Reads one path per stdin line; prints one JSON line per path, in order.
 */
import { createInterface } from "node:readline";
import { checkKilledFile } from "./crash-check.js";

const base = process.argv[2];
if (base === undefined) {
  process.stderr.write("usage: crash-check-child <base>\n");
  process.exit(2);
}

// One at a time, in order: the parent matches answers to paths by position.
for await (const path of createInterface({ input: process.stdin })) {
  try {
    process.stdout.write(JSON.stringify(await checkKilledFile(path, base)) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String((error as Error).stack ?? error) }) + "\n");
  }
}
