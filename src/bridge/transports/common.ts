/**
 * What every WakuTransport implementation checks and does alike, so that the compliance suite's
 * answers (which error, in which order, before anything is sent) are the same for each.
 */
import type { Logger } from "../../obs/index.js";
import { BridgeError } from "../bridge-error.js";
import { assertContentTopic } from "../content-topic.js";
import type { WakuMessage, WakuMessageHandler } from "../transport.js";

export function closedError(transport: string, call: string): BridgeError {
  return new BridgeError("E_BRIDGE_CLOSED", `${call} on the ${transport} transport after close(): make a new transport`, {
    details: { transport, call },
  });
}

/**
 * The checks publish makes before anything is sent, in this order: closed, signal already aborted
 * (its reason is thrown, as fetch does), content topic, payload type and size (1..maxPayloadBytes).
 */
export function checkPublish(
  transport: string,
  closed: boolean,
  contentTopic: string,
  payload: Uint8Array,
  maxPayloadBytes: number,
  signal: AbortSignal | undefined,
): void {
  if (closed) throw closedError(transport, "publish");
  signal?.throwIfAborted();
  assertContentTopic(contentTopic);
  if (!(payload instanceof Uint8Array)) {
    throw new TypeError(`publish payload must be a Uint8Array, got ${payload === null ? "null" : typeof payload}`);
  }
  if (payload.byteLength === 0) {
    // js-waku's relay validator (and so every js-waku peer) rejects a message with no payload, and
    // lowers the gossipsub score of the peer that sent it: refused here, on every transport alike.
    throw new BridgeError("E_BRIDGE_PUBLISH_FAILED", `an empty payload on ${contentTopic}: Waku relays reject a message without payload; send at least one byte`, {
      details: { contentTopic, bytes: 0, reason: "empty-payload" },
    });
  }
  if (payload.byteLength > maxPayloadBytes) {
    throw new BridgeError(
      "E_BRIDGE_MESSAGE_TOO_LARGE",
      `payload of ${payload.byteLength} bytes on ${contentTopic} is above the ${transport} transport's ${maxPayloadBytes}: segment it, or store it on Codex and publish a pointer`,
      { details: { contentTopic, bytes: payload.byteLength, maxPayloadBytes } },
    );
  }
}

/**
 * A copy of `bytes` as a plain Uint8Array. Not `bytes.slice()`: on a Node Buffer (what callers and
 * js-waku's decoder often hand over) slice is a view of the same memory, not a copy.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** The checks subscribe makes: closed, content topic, a handler. */
export function checkSubscribe(transport: string, closed: boolean, contentTopic: string, handler: WakuMessageHandler): void {
  if (closed) throw closedError(transport, "subscribe");
  assertContentTopic(contentTopic);
  if (typeof handler !== "function") throw new TypeError(`subscribe handler must be a function, got ${typeof handler}`);
}

/**
 * Hands one message to one handler with a payload of its own (a handler that changes its bytes
 * changes nobody else's). A handler that throws, or returns a promise that rejects, is logged and
 * does not stop delivery to the others.
 */
export function deliverTo(handler: WakuMessageHandler, message: WakuMessage, log: Logger): void {
  const own: WakuMessage = { ...message, payload: copyBytes(message.payload) };
  try {
    const result: unknown = handler(own);
    if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
      (result as Promise<unknown>).then(undefined, (error: unknown) => handlerFailed(log, message.contentTopic, error));
    }
  } catch (error) {
    handlerFailed(log, message.contentTopic, error);
  }
}

function handlerFailed(log: Logger, contentTopic: string, error: unknown): void {
  log.warn({ contentTopic, err: error }, "a subscriber's handler threw; delivery to the others goes on");
}
