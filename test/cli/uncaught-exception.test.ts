import { describe, expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";

describe("status-compat: an exception nothing caught (a throw in a timer or an event listener: a bug)", () => {
  test("exits 70, the internal error, with its stack on stderr; Node's default exited 1, which the CLI documents as 'a check failed' (a CI job read a broken pair)", async () => {
    // A module loaded before the CLI that throws from a timer once the command has written its
    // output (by then the CLI's handlers are in place): the CLI's own code has no such bug to call on.
    const thrower =
      "data:text/javascript,const w=process.stdout.write.bind(process.stdout);let once=false;" +
      "process.stdout.write=(...a)=>{if(!once){once=true;setTimeout(()=>{throw new Error('boom from a timer')},0)}return w(...a)}";
    const r = await spawnCollecting(process.execPath, ["--import", thrower, ...nodeArgs("src/cli/run.ts"), "releases"]);
    expect(r.code, r.stderr).toBe(70);
    expect(r.stderr).toMatch(/^status-compat: internal error \(an exception nothing caught\): Error: boom from a timer\n {4}at /m);
  }, 30_000);
});
