/**
 * What a client that runs for weeks (a desktop app started once) must not accumulate per job, per
 * renewal run or per stream: every structure here is driven many times and must stay bounded.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { startClient } from "./support/client-fixture.js";

setFlagsFromString("--expose-gc");
/** A full garbage collection, so a WeakRef that nothing else holds is cleared. */
const collectGarbage = runInNewContext("gc") as () => void;

async function collected(ref: WeakRef<object>): Promise<boolean> {
  // A WeakRef's target is kept until the current job ends: let it end first.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  return ref.deref() === undefined;
}

describe("a long-running client", () => {
  it("keeps no renewal report once it was returned: runs every 6 h for weeks, each report (its failed pieces included) used to be chained to the next", async () => {
    const { client } = await startClient();
    const first = new WeakRef(await client.renewDue());
    for (let i = 0; i < 20; i++) await client.renewDue();
    expect(await collected(first), "the first renewal report is still held by the client").toBe(true);
  });
});
