import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { expect, onTestFinished, test } from "vitest";
import type { GetOptions, GetResult } from "../../src/storage/backend.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";
import { KiB, startClient } from "./support/client-fixture.js";

/** Lets the first get of each CID through and holds any later get of it until release(): of two downloads of one file, one ends, the other waits. */
class SecondAskerHeld extends ForwardingBackend {
  private readonly asked = new Set<string>();
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));

  override async get(cid: string, options?: GetOptions): Promise<GetResult> {
    if (this.asked.has(cid)) await this.gate;
    this.asked.add(cid);
    return this.inner.get(cid, options);
  }

  release(): void {
    this.opened();
  }
}

test("once one of two downloads of the same file has ended, its room is not counted twice: a third download that fits beside it evicts nothing (the file just handed out stays)", async () => {
  const sender = await startClient();
  const held = new SecondAskerHeld(sender.backend);
  // A fits one piece: each download of it asks for one CID, so the first to ask ends and the other waits (no order of pieces to deadlock on).
  const receiver = await startClient({ backend: held, quotaBytes: 40 * KiB, jobsInFlight: 2 });
  // Before the client stops (registered after it, so run first): a failed expectation must not leave the held download waiting.
  onTestFinished(() => held.release());
  const share = async (size: number) => (await sender.client.share({ bytes: randomBytes(size), fileName: "f.bin" }).done).reference;
  const a = await share(16 * KiB);
  const b = await share(20 * KiB);
  // One image shown in two chats: the first of the two to ask for its piece ends, the other waits.
  const both = [receiver.client.fetch(a), receiver.client.fetch(a)];
  for (const job of both) job.done.catch(() => undefined);
  const firstPath = (await Promise.race(both.map((job) => job.done))).path;
  // Then another image, while the other download of the first still runs.
  await receiver.client.fetch(b).done;
  // 16 KiB of A and 20 KiB of B fit the 40 KiB quota: nothing needed evicting.
  expect(existsSync(firstPath)).toBe(true);
  held.release();
  expect((await Promise.all(both.map((job) => job.done))).map((r) => r.path)).toEqual([firstPath, firstPath]);
  expect(receiver.client.usage()).toMatchObject({ usedBytes: 36 * KiB, reservedBytes: 0 });
});
