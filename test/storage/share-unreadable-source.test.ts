/**
 * share({ path }) of a file the user may not read (mode 000, another user's file): the disk
 * refusing, which docs/storage.md documents as E_LOCAL_IO. The library journaled the upload and
 * failed it E_SOURCE_MISSING "can no longer be read; share it again", though the file was never
 * readable and sharing it again failed the same way, and a failed upload stayed in the journal.
 * A real child process; as root (who reads any file) it runs as the unprivileged user 65534.
 */
import { chmodSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

const CHILD = "test/storage/support/share-unreadable-child.ts";

async function runChild(scenario: "new" | "folder" | "resumed"): Promise<Record<string, unknown>> {
  const work = tempDir("scc-share-unreadable-");
  chmodSync(work, 0o777);
  const node = [process.execPath, ...nodeArgs(CHILD), work, scenario];
  const run = process.getuid?.() === 0 ? spawnCollecting("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", ...node]) : spawnCollecting(node[0] as string, node.slice(1));
  const { code, stdout, stderr } = await run;
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("share() of a file the user may not read", () => {
  test("throws E_LOCAL_IO naming the file and the permission, and journals nothing", async () => {
    const result = await runChild("new");
    expect(result["thrown"]).toMatchObject({ code: "E_LOCAL_IO", message: expect.stringMatching(/payslip\.pdf.*permission was denied.*\(EACCES\)/s), details: { code: "EACCES" } });
    expect(String((result["thrown"] as { message: string }).message)).not.toMatch(/share it again/);
    expect(result["jobs"]).toEqual([]);
  }, 60_000);

  test("a file in a folder the user may not enter: E_LOCAL_IO too (it was E_SOURCE_MISSING 'there is no file to share'), nothing journaled", async () => {
    const result = await runChild("folder");
    expect(result["thrown"]).toMatchObject({ code: "E_LOCAL_IO", message: expect.stringMatching(/payslip\.pdf.*permission was denied.*\(EACCES\)/s), details: { code: "EACCES" } });
    expect(result["jobs"]).toEqual([]);
  }, 60_000);

  test("an upload whose file became unreadable before it ran fails E_LOCAL_IO, not E_SOURCE_MISSING, and retry() sends it once it is readable", async () => {
    const result = await runChild("resumed");
    expect(result["settled"]).toMatchObject({ code: "E_LOCAL_IO", message: expect.stringMatching(/payslip\.pdf.*permission was denied/s), details: { code: "EACCES" } });
    expect(result["retried"]).toBe("shared");
  }, 60_000);
});

describe("share() while the process is out of descriptors for a moment", () => {
  test("is journaled, not refused (the readability check says nothing of the file then), and the upload sends it once descriptors are back", async () => {
    const work = tempDir("scc-share-emfile-");
    const child = `ulimit -n 256 && exec ${[process.execPath, ...nodeArgs("test/storage/support/share-out-of-descriptors-child.ts"), work].map((a) => JSON.stringify(a)).join(" ")}`;
    const { code, stdout, stderr } = await spawnCollecting("sh", ["-c", child]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { thrown?: unknown; settled?: unknown; held: number };
    expect(result.held).toBeGreaterThan(0);
    expect(result).toMatchObject({ settled: "shared" });
    expect(result.thrown).toBeUndefined();
  }, 60_000);
});
