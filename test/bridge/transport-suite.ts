/**
 * The WakuTransport compliance suite: what every implementation of the port does alike. A test file
 * per implementation calls `transportComplianceSuite` with a factory that makes N transports that
 * already reach each other (for relay: the mesh formed) and tears them down.
 *
 * Nothing here waits on time: a message's arrival is polled with a generous deadline, and "did not
 * arrive" is shown by a marker the same sender publishes after it (each sender's messages arrive in
 * order, so the marker's arrival means the earlier one would have arrived before).
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/bridge/bridge-error.js";
import type { WakuMessage, WakuTransport } from "../../src/bridge/transport.js";
import { failure } from "../support/thrown.js";
import { until } from "../support/until.js";

export interface TransportFixture {
  readonly transports: readonly WakuTransport[];
  /** Closes whatever the fixture opened (transports a test closed itself included). */
  close(): Promise<void>;
}

/** Makes `count` transports that reach each other. */
export type TransportFactory = (count: number) => Promise<TransportFixture>;

export interface SuiteOptions {
  /** How long a wait for an arrival may take before the test fails (default 20 s: a loaded CI machine). */
  readonly deadlineMs?: number;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

let topicCounter = 0;
function topic(name: string): string {
  topicCounter++;
  return `/bridge-suite/1/${name}-${topicCounter}/proto`;
}

interface Inbox {
  readonly messages: WakuMessage[];
  readonly texts: () => string[];
  unsubscribe(): Promise<void>;
}

async function inbox(transport: WakuTransport, contentTopic: string): Promise<Inbox> {
  const messages: WakuMessage[] = [];
  const unsubscribe = await transport.subscribe(contentTopic, (m) => void messages.push(m));
  return { messages, texts: () => messages.map((m) => str(m.payload)), unsubscribe };
}

function expectBridgeError(error: unknown, code: BridgeError["code"]): void {
  expect(error).toBeInstanceOf(BridgeError);
  expect((error as BridgeError).code).toBe(code);
}

export function transportComplianceSuite(name: string, factory: TransportFactory, options: SuiteOptions = {}): void {
  const deadlineMs = options.deadlineMs ?? 20_000;
  const waitFor = (check: () => boolean, what: string): Promise<void> =>
    until(check, what, { everyMs: 10, tries: Math.ceil(deadlineMs / 10) });

  /** Runs `body` with `count` fresh transports, closing them whatever happens. */
  async function withTransports(count: number, body: (t: readonly WakuTransport[]) => Promise<void>): Promise<void> {
    const fixture = await factory(count);
    try {
      await body(fixture.transports);
    } finally {
      await fixture.close();
    }
  }

  /** Publishes a marker from `from` and waits until `inboxes` all have it: what `from` sent before has arrived by then. */
  async function flush(from: WakuTransport, contentTopic: string, inboxes: readonly Inbox[]): Promise<void> {
    const marker = `marker ${Math.random()}`;
    await from.publish(contentTopic, text(marker));
    await waitFor(() => inboxes.every((i) => i.texts().includes(marker)), `marker on ${contentTopic}`);
  }

  describe(`WakuTransport compliance: ${name}`, () => {
    it("delivers a message to every subscriber, the publisher's own subscription included", async () => {
      await withTransports(3, async (t) => {
        const ct = topic("everyone");
        const boxes = await Promise.all(t.map((x) => inbox(x, ct)));
        const result = await t[0]!.publish(ct, text("hello"));
        expect(Number.isInteger(result.recipients) && result.recipients >= 1).toBe(true);
        await waitFor(() => boxes.every((b) => b.messages.length >= 1), "hello at all three");
        for (const b of boxes) {
          expect(b.texts()).toEqual(["hello"]);
          expect(b.messages[0]!.contentTopic).toBe(ct);
          if (b.messages[0]!.timestamp !== undefined) expect(b.messages[0]!.timestamp).toBeInstanceOf(Date);
        }
      });
    });

    it("keeps each sender's messages in order at every subscriber", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("order");
        const boxes = await Promise.all(t.map((x) => inbox(x, ct)));
        const sent: Promise<unknown>[] = [];
        for (let i = 0; i < 30; i++) {
          sent.push(t[0]!.publish(ct, text(`a${i}`)));
          sent.push(t[1]!.publish(ct, text(`b${i}`)));
        }
        await Promise.all(sent);
        await waitFor(() => boxes.every((b) => b.messages.length >= 60), "60 messages at both");
        for (const b of boxes) {
          const texts = b.texts();
          expect(texts.filter((x) => x.startsWith("a"))).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}`));
          expect(texts.filter((x) => x.startsWith("b"))).toEqual(Array.from({ length: 30 }, (_, i) => `b${i}`));
        }
      });
    });

    it("delivers the payload's bytes exactly (1 byte, exactly maxPayloadBytes), unchanged by the sender reusing its buffer (a Buffer too)", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("bytes");
        const boxes = await Promise.all(t.map((x) => inbox(x, ct)));
        const max = t[0]!.maxPayloadBytes;
        expect(t[1]!.maxPayloadBytes).toBe(max);
        const full = new Uint8Array(max);
        for (let i = 0; i < max; i++) full[i] = (i * 31 + 7) & 0xff;
        const buffer = Buffer.from("a node Buffer");
        const expected = [Uint8Array.of(0xa5), full.slice(), Buffer.from(buffer)];
        for (const payload of [Uint8Array.of(0xa5), full, buffer]) await t[0]!.publish(ct, payload);
        full.fill(0); // the sender reuses its buffers once publish resolved
        buffer.fill(0);
        await waitFor(() => boxes.every((b) => b.messages.length >= 3), "three payloads at both");
        for (const b of boxes) {
          expect(b.messages.map((m) => m.payload.byteLength)).toEqual([1, max, expected[2]!.byteLength]);
          b.messages.forEach((m, i) => expect(Buffer.from(m.payload).equals(Buffer.from(expected[i]!))).toBe(true));
        }
      });
    });

    it("refuses an empty payload (E_BRIDGE_PUBLISH_FAILED: Waku relays reject one) and one byte over maxPayloadBytes (E_BRIDGE_MESSAGE_TOO_LARGE) before anything is sent", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("refused-sizes");
        const boxes = await Promise.all(t.map((x) => inbox(x, ct)));
        const empty = await failure(() => t[0]!.publish(ct, new Uint8Array(0)));
        expectBridgeError(empty, "E_BRIDGE_PUBLISH_FAILED");
        expect((empty as BridgeError).details).toMatchObject({ bytes: 0, reason: "empty-payload" });
        const error = await failure(() => t[0]!.publish(ct, new Uint8Array(t[0]!.maxPayloadBytes + 1)));
        expectBridgeError(error, "E_BRIDGE_MESSAGE_TOO_LARGE");
        expect((error as BridgeError).details).toMatchObject({ bytes: t[0]!.maxPayloadBytes + 1, maxPayloadBytes: t[0]!.maxPayloadBytes });
        await flush(t[0]!, ct, boxes);
        for (const b of boxes) expect(b.messages).toHaveLength(1);
      });
    });

    it("refuses a content topic that is not /{application}/{version}/{name}/{encoding} with E_BRIDGE_BAD_TOPIC, on publish and subscribe", async () => {
      await withTransports(1, async ([t0]) => {
        for (const bad of ["", "waku/1/x/proto", "/waku/1/x", "/waku/1/x/proto/extra", "/waku//x/proto", "/waku/1/x y/proto", "/waku/1/x/proto/"]) {
          expectBridgeError(await failure(() => t0!.publish(bad, text("x"))), "E_BRIDGE_BAD_TOPIC");
          expectBridgeError(await failure(() => t0!.subscribe(bad, () => undefined)), "E_BRIDGE_BAD_TOPIC");
        }
      });
    });

    it("stops delivery on unsubscribe, and a second unsubscribe does nothing", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("unsubscribe");
        const watcher = await inbox(t[0]!, ct);
        const leaving = await inbox(t[1]!, ct);
        const staying = await inbox(t[1]!, ct);
        await flush(t[0]!, ct, [watcher, leaving, staying]);
        await leaving.unsubscribe();
        await leaving.unsubscribe();
        await t[0]!.publish(ct, text("after"));
        await flush(t[0]!, ct, [watcher, staying]);
        expect(leaving.texts()).not.toContain("after");
        expect(staying.texts()).toContain("after");
        expect(leaving.messages).toHaveLength(1);
      });
    });

    it("keeps topics apart: a subscriber gets only its topic's messages", async () => {
      await withTransports(2, async (t) => {
        const [a, b] = [topic("isolated-a"), topic("isolated-b")];
        const onA = await inbox(t[1]!, a);
        const onB = await inbox(t[1]!, b);
        await t[0]!.publish(a, text("for a"));
        await t[0]!.publish(b, text("for b"));
        await waitFor(() => onA.messages.length >= 1 && onB.messages.length >= 1, "one message on each topic");
        await flush(t[0]!, a, [onA]);
        await flush(t[0]!, b, [onB]);
        expect(onA.texts()[0]).toBe("for a");
        expect(onB.texts()[0]).toBe("for b");
        expect(onA.messages.every((m) => m.contentTopic === a)).toBe(true);
        expect(onB.messages.every((m) => m.contentTopic === b)).toBe(true);
        expect(onA.texts()).not.toContain("for b");
        expect(onB.texts()).not.toContain("for a");
      });
    });

    it("ends subscriptions on close; later calls are E_BRIDGE_CLOSED; close and unsubscribe after it are idempotent", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("close");
        const watcher = await inbox(t[0]!, ct);
        const closing = await inbox(t[1]!, ct);
        await flush(t[0]!, ct, [watcher, closing]);
        await Promise.all([t[1]!.close(), t[1]!.close()]);
        await t[1]!.close();
        await closing.unsubscribe();
        expectBridgeError(await failure(() => t[1]!.publish(ct, text("x"))), "E_BRIDGE_CLOSED");
        expectBridgeError(await failure(() => t[1]!.subscribe(ct, () => undefined)), "E_BRIDGE_CLOSED");
        await t[0]!.publish(ct, text("after close"));
        await flush(t[0]!, ct, [watcher]);
        expect(closing.texts()).not.toContain("after close");
        expect(closing.messages).toHaveLength(1);
      });
    });

    it("rejects with the signal's reason and sends nothing when the signal is already aborted or aborts during publish", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("abort");
        const boxes = await Promise.all(t.map((x) => inbox(x, ct)));
        const reason = new Error("caller gave up");
        const already = new AbortController();
        already.abort(reason);
        expect(await failure(() => t[0]!.publish(ct, text("already aborted"), { signal: already.signal }))).toBe(reason);
        const during = new AbortController();
        const publishing = t[0]!.publish(ct, text("aborted during"), { signal: during.signal });
        during.abort(reason);
        expect(await failure(() => publishing)).toBe(reason);
        const plain = new AbortController();
        plain.abort();
        expect(await failure(() => t[0]!.publish(ct, text("default reason"), { signal: plain.signal }))).toMatchObject({ name: "AbortError" });
        await flush(t[0]!, ct, boxes);
        for (const b of boxes) expect(b.messages).toHaveLength(1);
      });
    });

    it("leaves no listener on the caller's signal once publish settled: sent, refused, or aborted during it", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("signal-listeners");
        const box = await inbox(t[1]!, ct);
        const signal = new AbortController().signal;
        await t[0]!.publish(ct, text("sent"), { signal });
        expectBridgeError(await failure(() => t[0]!.publish(ct, new Uint8Array(0), { signal })), "E_BRIDGE_PUBLISH_FAILED");
        expect(getEventListeners(signal, "abort")).toHaveLength(0);
        const during = new AbortController();
        const publishing = t[0]!.publish(ct, text("aborted"), { signal: during.signal });
        during.abort();
        await failure(() => publishing);
        expect(getEventListeners(during.signal, "abort")).toHaveLength(0);
        await flush(t[0]!, ct, [box]);
        expect(box.texts()[0]).toBe("sent");
      });
    });

    it("sends the same payload published twice in a row twice (deduplication is the receiver's, by community and clock)", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("same-twice");
        const boxes = await Promise.all(t.map((x) => inbox(x, ct)));
        const payload = text("same bytes");
        await Promise.all([t[0]!.publish(ct, payload), t[0]!.publish(ct, payload)]);
        await t[0]!.publish(ct, payload);
        await waitFor(() => boxes.every((b) => b.messages.length >= 3), "the three copies at both");
        for (const b of boxes) expect(b.texts()).toEqual(["same bytes", "same bytes", "same bytes"]);
      });
    });

    it("goes on delivering to the others when a handler throws or rejects, or changes its payload", async () => {
      await withTransports(2, async (t) => {
        const ct = topic("throwing");
        let calls = 0;
        await t[1]!.subscribe(ct, (m) => {
          calls++;
          m.payload.fill(0);
          throw new Error("handler bug");
        });
        await t[1]!.subscribe(ct, async () => {
          calls++;
          throw new Error("async handler bug");
        });
        const good = await inbox(t[1]!, ct);
        const self = await inbox(t[0]!, ct);
        await t[0]!.publish(ct, text("first"));
        await t[0]!.publish(ct, text("second"));
        await waitFor(() => good.messages.length >= 2 && self.messages.length >= 2 && calls >= 4, "both messages at every handler");
        expect(good.texts()).toEqual(["first", "second"]);
        expect(self.texts()).toEqual(["first", "second"]);
        expect(calls).toBe(4);
      });
    });
  });
}
