/**
 * A cached or spooled file is named by the CID of its plaintext: a fingerprint anyone holding a
 * known file can compute. A log shared in a bug report must not say which files the user had.
 */
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { LogCapture } from "../support/log-capture.js";
import { KiB, startClient } from "./support/client-fixture.js";

function fingerprints(plaintext: Buffer): string[] {
  const digest = createHash("sha256").update(plaintext).digest();
  return [cidOfDigest(digest), digest.toString("hex"), digest.toString("base64")];
}

describe("plaintext fingerprints never reach a log line", () => {
  test("a debug log of eviction and of a cached file removed behind the client's back names no content CID", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "debug", destination: capture });
    const sender = await startClient();
    const receiver = await startClient({ backend: sender.backend, quotaBytes: 300 * KiB, logger });
    const files = [randomBytes(200 * KiB), randomBytes(200 * KiB), randomBytes(150 * KiB)];
    const refs = [];
    for (const [i, bytes] of files.entries()) refs.push((await sender.client.share({ bytes, fileName: `f${i}.bin` }).done).reference);
    // The first is evicted to make room for the second.
    await receiver.client.fetch(refs[0] as Uint8Array).done;
    const second = await receiver.client.fetch(refs[1] as Uint8Array).done;
    // The second vanishes (an OS cache cleaner); the third's room check notices.
    rmSync(second.path);
    await receiver.client.fetch(refs[2] as Uint8Array).done;
    await receiver.client.stop();

    const log = capture.text;
    expect(log).toContain('"evicted cached file"');
    expect(log).toContain("removed behind the client's back");
    for (const [i, bytes] of files.entries()) {
      for (const print of fingerprints(bytes)) expect(log.includes(print), `file ${i}'s fingerprint ${print.slice(0, 12)}… is in the log`).toBe(false);
    }
  });
});
