/**
 * The counting bound behind streamed fetches and a download's unjournaled pieces: slots are granted
 * in order, a holder gives its slot back once, a waiter that gives up leaves the queue, and a client
 * with one stream slot runs one stream at a time.
 */
import { describe, expect, test } from "vitest";
import { Slots } from "../../src/storage/slots.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("slots", () => {
  test("at most `size` holders; waiters are served in order as slots come back; a second release is a no-op", async () => {
    const slots = new Slots(2);
    const never = new AbortController().signal;
    const a = await slots.acquire(never, "a");
    const b = await slots.acquire(never, "b");
    const order: string[] = [];
    const c = slots.acquire(never, "c").then((release) => (order.push("c"), release));
    const d = slots.acquire(never, "d").then((release) => (order.push("d"), release));
    await tick();
    expect(order).toEqual([]);
    a();
    a(); // the same slot again: nothing more is freed
    await tick();
    expect(order).toEqual(["c"]);
    b();
    await tick();
    expect(order).toEqual(["c", "d"]);
    (await c)();
    (await d)();
    // Both slots are free again.
    const e = await slots.acquire(never, "e");
    const f = await slots.acquire(never, "f");
    e();
    f();
  });

  test("a waiter whose signal fires leaves the queue with the abort, and the slot goes to the next one", async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    const held = await slots.acquire(never, "held");
    const giveUp = new AbortController();
    const first = slots.acquire(giveUp.signal, "gives up");
    const second = slots.acquire(never, "waits");
    giveUp.abort(new Error("user left"));
    await expect(first).rejects.toMatchObject({ code: "E_ABORTED" });
    held();
    const release = await second;
    release();
    await (await slots.acquire(never, "again"))();
  });

  test("an offered slot goes to a waiter only once its holder has been idle afterMs; a withdrawn offer keeps it; nobody waiting, nothing is taken", async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    const held = await slots.acquire(never, "held");
    let gaveUp = 0;
    const giveUp = async (): Promise<void> => {
      gaveUp++;
      held();
    };
    // Nobody waits: an offer older than afterMs stays the holder's.
    const idle = slots.offer(20, giveUp);
    await new Promise((r) => setTimeout(r, 60));
    expect(await idle.withdraw()).toBe(false);
    expect(gaveUp).toBe(0);
    // Withdrawn before it came of age: the waiter keeps waiting.
    const brief = slots.offer(200, giveUp);
    let served = false;
    const waiter = slots.acquire(never, "waiter").then((release) => ((served = true), release));
    await new Promise((r) => setTimeout(r, 30));
    expect(await brief.withdraw()).toBe(false);
    expect(served).toBe(false);
    // Idle long enough while someone waits: taken back, the holder learns it on withdraw.
    const started = performance.now();
    const paused = slots.offer(100, giveUp);
    const release = await waiter;
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(gaveUp).toBe(1);
    expect(await paused.withdraw()).toBe(true);
    release();
    (await slots.acquire(never, "again"))();
  });

  test("a holder already idle past afterMs when a waiter comes gives its slot up at once", async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    const held = await slots.acquire(never, "held");
    const offer = slots.offer(10, async () => held());
    await new Promise((r) => setTimeout(r, 40));
    // At once: served within this turn of the event loop, no timer armed (it was a 50 ms bound on the
    // wall clock, which a loaded machine can miss and a 10 ms reclaim timer passed anyway).
    const waiter = slots.acquire(never, "waiter");
    const first = await Promise.race([waiter.then(() => "served"), new Promise((r) => setImmediate(() => r("a later turn of the event loop")))]);
    expect(first).toBe("served");
    (await waiter)();
    expect(await offer.withdraw()).toBe(true);
  });

  test("a waiter served by an ordinary release leaves no reclaim timer armed behind it", async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    const held = await slots.acquire(never, "held");
    const offer = slots.offer(60_000, async () => held());
    const waiter = slots.acquire(never, "waiter");
    const armed = (): boolean => (slots as unknown as { timer: unknown }).timer !== undefined;
    expect(armed()).toBe(true);
    expect(await offer.withdraw()).toBe(false);
    held();
    (await waiter)();
    expect(armed()).toBe(false);
  });

  test("with streamsInFlight 1, a second stream starts reading only once the first has ended", async () => {
    const { client, dir } = await startClient({ streamsInFlight: 1 });
    const { path, bytes } = writeRandomFile(dir, "s.bin", 200 * KiB);
    const { reference } = await client.share({ path }).done;
    const a = client.fetchStream(reference);
    const b = client.fetchStream(reference);
    const firstOfA = await a.next();
    expect(firstOfA.done).toBe(false);
    let bStarted = false;
    const firstOfB = b.next().then((step) => ((bStarted = true), step));
    await new Promise((r) => setTimeout(r, 50));
    expect(bStarted).toBe(false);
    const rest: Buffer[] = [firstOfA.value as Buffer];
    for await (const part of a) rest.push(part);
    expect(Buffer.concat(rest).equals(bytes)).toBe(true);
    const partsOfB: Buffer[] = [(await firstOfB).value as Buffer];
    for await (const part of b) partsOfB.push(part);
    expect(Buffer.concat(partsOfB).equals(bytes)).toBe(true);
  });
});
