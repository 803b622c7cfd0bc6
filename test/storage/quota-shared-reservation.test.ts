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
  const receiver = await startClient({ backend: held, quotaBytes: 200 * KiB, piecesInFlight: 1, jobsInFlight: 2 });
  // Before the client stops (registered after it, so run first): a failed expectation must not leave the held download waiting.
  onTestFinished(() => held.release());
  const share = async () => (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "f.bin" }).done).reference;
  const a = await share();
  const b = await share();
  // One image shown in two chats, then another image: the third waits for a lane.
  const first = receiver.client.fetch(a);
  const second = receiver.client.fetch(a);
  second.done.catch(() => undefined);
  const third = receiver.client.fetch(b);
  const firstPath = (await first.done).path;
  await third.done;
  // 100 KiB of A and 100 KiB of B fit the 200 KiB quota: nothing needed evicting.
  expect(existsSync(firstPath)).toBe(true);
  held.release();
  expect((await second.done).path).toBe(firstPath);
  expect(receiver.client.usage()).toMatchObject({ usedBytes: 200 * KiB, reservedBytes: 0 });
});
