/**
 * A share of bytes cancelled as soon as share() returned (the user taps send, then cancel), with no
 * other share being spooled, so no turn to wait for: the slot was free, taken without looking at
 * the cancel, and the bytes were written and synced to the spool anyway (a 50 MiB video written
 * for nothing, counted under the quota as a kept file), the handle settling only once they were.
 * docs/storage.md: one cancelled before it is spooled is never written. Now it is not, however the
 * cancel comes (the handle's cancel(), client.cancel(id)).
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { MiB, startClient } from "./support/client-fixture.js";

describe("a share of bytes cancelled right after share() returned, nothing else spooling", () => {
  test.each([
    ["the handle's cancel()", "handle"],
    ["client.cancel(id)", "client"],
  ])("by %s: never written to the spool, nothing counted under the quota, the job cancelled", async (_name, how) => {
    const { client, dataDir } = await startClient();
    const bytes = randomBytes(4 * MiB);
    const job = client.share({ bytes, fileName: "video.mp4" });
    if (how === "handle") job.cancel();
    else client.cancel(job.id);
    await expect(job.done).rejects.toMatchObject({ code: "E_ABORTED" });
    const cid = cidOfDigest(createHash("sha256").update(bytes).digest());
    expect(readdirSync(join(dataDir, "spool")).filter((name) => name.includes(cid))).toEqual([]);
    expect(client.usage()).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
    expect(client.jobs().find((j) => j.id === job.id)?.state).toBe("cancelled");
    // The same bytes shared again are spooled and sent as usual.
    const again = await client.share({ bytes, fileName: "video.mp4" }).done;
    expect(again.view.plaintextSize).toBe(4 * MiB);
    expect(readdirSync(join(dataDir, "spool"))).toContain(cid);
  });
});
