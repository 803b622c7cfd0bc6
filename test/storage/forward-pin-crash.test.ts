/**
 * A forward (share({ path }) of a received file in the cache) pins the cached file while its upload
 * reads it. The pin was written apart from the upload's row, and given back apart from the row's end
 * (a cancel): an app killed between the two left the file pinned with no upload to unpin it, never
 * evicted again and counted against the quota as a pending upload's for good. Pin and row are now
 * one transaction, and a starting client gives back every pin no unfinished or failed upload reads.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { startClient } from "./support/client-fixture.js";

const CHILD = fileURLToPath(new URL("./support/forward-pin-crash-child.ts", import.meta.url));

describe("an app killed between a forward's pin and its journal", () => {
  test.each([
    ["as it journals the forward", "journal"],
    ["as it cancels the forward, before the pin is given back", "cancel"],
  ])("%s leaves the received file evictable: a download needing its room takes it after the next start", async (_name, moment) => {
    const work = tempDir("scc-forward-pin-crash-");
    const { signal, stderr } = await runScript(CHILD, [work, moment], 90_000);
    expect(stderr).toBe("");
    expect(signal).toBe("SIGKILL");
    // 100 KiB kept; the other file needs 100 KiB more than the 150 KiB quota leaves.
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), quotaBytes: 150 * 1024 });
    expect(client.jobs().filter((j) => j.kind === "upload" && j.state !== "done" && j.state !== "cancelled"), "no forward left to read the file").toEqual([]);
    const fetched = await client.fetch(readFileSync(join(work, "other.ref"))).done;
    expect(fetched.size).toBe(100 * 1024);
    expect(client.usage().usedBytes).toBe(100 * 1024);
  });
});
