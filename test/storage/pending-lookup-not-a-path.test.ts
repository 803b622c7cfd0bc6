/**
 * pendingDownloadTo(path) / pendingUploadOf(path) from JavaScript with a path the app does not have
 * (null read from its database, for a message whose file was never saved) threw Node's raw
 * TypeError ('The "paths[0]" argument must be of type string. Received null'), no code to branch
 * on, where the documented `pendingDownloadTo(out) ?? fetch(ref, { out })` pattern needs an
 * answer: there is no unfinished job to a path that is not one, so the answer is undefined.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";

describe("pending lookups for something that is not a path", () => {
  test.each([null, undefined, 5, { path: "x" }])("%s: no pending download or upload (an unfinished upload in the journal)", async (notAPath) => {
    const { client } = await startClient();
    // Unfinished jobs of both kinds in the journal.
    const share = client.share({ bytes: randomBytes(10 * KiB), fileName: "a.bin" });
    expect(client.pendingDownloadTo(notAPath as unknown as string)).toBeUndefined();
    expect(client.pendingUploadOf(notAPath as unknown as string)).toBeUndefined();
    await share.done;
  });
});
