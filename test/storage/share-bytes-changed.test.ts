/**
 * share({ bytes }) returns at once and reads the bytes when their spool turn comes. An application
 * that reuses its buffer as soon as share() returns (a recording's ring buffer, a pooled read
 * buffer) had the changed bytes shared without a word, spooled under the content name of the bytes
 * it was given (a cached file named for one content holding another). The spool write now checks
 * what it wrote against that name: other bytes fail the share E_SOURCE_CHANGED before the spool file
 * is in place, saying to keep the bytes unchanged until done settles or to pass a copy.
 */
import { readFileSync, readdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";

describe("bytes changed after share() returned, before they were spooled", () => {
  test("fail the share E_SOURCE_CHANGED, nothing uploaded or spooled; unchanged bytes are shared as given", async () => {
    const { client, dataDir } = await startClient();
    const bytes = randomBytes(300 * KiB);
    const job = client.share({ bytes, fileName: "voice.ogg" });
    bytes.fill(0);
    const error = await job.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "E_SOURCE_CHANGED" });
    expect((error as Error).message).toMatch(/the bytes given to share\(\) changed after it returned, before they were spooled .*keep them unchanged until the share's done settles, or pass a copy \(Buffer\.from\(bytes\)\)/);
    expect(client.jobs()).toEqual([expect.objectContaining({ id: job.id, state: "failed", lastErrorCode: "E_SOURCE_CHANGED" })]);
    expect(readdirSync(join(dataDir, "spool"))).toEqual([]);
    const kept = randomBytes(300 * KiB);
    const copy = Buffer.from(kept);
    const shared = await client.share({ bytes: kept, fileName: "voice.ogg" }).done;
    const got = await client.fetch(shared.reference).done;
    expect(readFileSync(got.path).equals(copy)).toBe(true);
  });
});
