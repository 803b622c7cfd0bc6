/**
 * docs/storage.md (Limits, Quota; Errors): E_QUOTA_EXCEEDED means pinned files leave no room. A
 * photo shared from memory (share({ bytes })) while two received images were downloading was
 * refused at once, E_QUOTA_EXCEEDED "raise the quota, wait for uploads", with no file pinned: only
 * the downloads' reserved room stood in the way, and it ends as evictable cached files. The
 * user's photo was not sent. Its spooling now waits for that room, as a download does (375268c).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, onTestFinished, test } from "vitest";
import { bytesKeptIn, KiB, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** A receiver under a 250 KiB quota whose two downloads of 100 KiB hold their room until `open` is called. */
async function twoDownloadsHoldingRoom() {
  const sender = await startClient();
  const refs: Uint8Array[] = [];
  for (let i = 0; i < 2; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `in${i}.jpg` }).done).reference);
  const backend = new InstrumentedBackend(sender.backend);
  const receiver = await startClient({ backend, quotaBytes: 250 * KiB });
  let arrived = 0;
  let bothArrived!: () => void;
  const reached = new Promise<void>((resolve) => (bothArrived = resolve));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  onTestFinished(() => open());
  backend.beforeGet = async () => {
    if (++arrived === 2) bothArrived();
    await gate;
  };
  const downloads = refs.map((ref) => receiver.client.fetch(ref));
  await reached;
  return { sender, backend, receiver, downloads, open };
}

describe("a share of bytes while downloads hold the room", () => {
  test("cancelled while it waits for room: cancelled, nothing spooled or reserved", async () => {
    const { receiver, downloads, open } = await twoDownloadsHoldingRoom();
    const share = receiver.client.share({ bytes: randomBytes(100 * KiB), fileName: "photo.jpg" });
    receiver.client.cancel(share.id);
    await expect(share.done).rejects.toMatchObject({ code: "E_ABORTED" });
    open();
    await Promise.all(downloads.map((d) => d.done));
    expect(receiver.client.job(share.id).state).toBe("cancelled");
    expect(receiver.client.usage()).toMatchObject({ usedBytes: 200 * KiB, reservedBytes: 0 });
  });

  test("a stop while it waits for room does not wait for the downloads; the next start sends the photo", async () => {
    const { sender, backend, receiver, open } = await twoDownloadsHoldingRoom();
    const photo = randomBytes(100 * KiB);
    const share = receiver.client.share({ bytes: photo, fileName: "photo.jpg" });
    const stopping = receiver.client.stop();
    // Settled while the downloads still hold their room: the stop ended the wait (it ends the queues' runs only after spooling).
    await expect(share.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    open();
    await stopping;
    backend.beforeGet = undefined;
    const again = await startClient({ backend, quotaBytes: 250 * KiB, dir: receiver.dir });
    const sent = await (again.client.job(share.id).done as Promise<{ reference: Uint8Array }>);
    expect(readFileSync((await sender.client.fetch(sent.reference).done).path).equals(photo)).toBe(true);
    expect(bytesKeptIn(again.dataDir)).toBeLessThanOrEqual(250 * KiB);
  });

  test("is not refused: it is sent once they end, and the quota is kept", async () => {
    const sender = await startClient();
    const refs: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `in${i}.jpg` }).done).reference);
    const backend = new InstrumentedBackend(sender.backend);
    const receiver = await startClient({ backend, quotaBytes: 250 * KiB });
    let arrived = 0;
    let bothArrived!: () => void;
    const reached = new Promise<void>((resolve) => (bothArrived = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    onTestFinished(() => open());
    backend.beforeGet = async () => {
      if (++arrived === 2) bothArrived();
      await gate;
    };
    const downloads = refs.map((ref) => receiver.client.fetch(ref));
    await reached;

    const photo = randomBytes(100 * KiB);
    const share = receiver.client.share({ bytes: photo, fileName: "photo.jpg" });
    open();
    const [sent] = await Promise.all([share.done, ...downloads.map((d) => d.done)]);
    // What was sent is the photo.
    const back = await sender.client.fetch(sent.reference).done;
    expect(readFileSync(back.path).equals(photo)).toBe(true);
    expect(bytesKeptIn(receiver.dataDir)).toBeLessThanOrEqual(250 * KiB);
    expect(receiver.client.usage()).toMatchObject({ reservedBytes: 0 });
    expect(receiver.client.usage().usedBytes).toBe(bytesKeptIn(receiver.dataDir));
  });
});
