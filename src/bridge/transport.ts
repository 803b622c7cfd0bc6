/**
 * The port between the bridge and a Waku network. The bridge only ever sees this shape; js-waku's
 * own types (whose encoder options, decoded messages and subscribe results changed between its
 * releases) stay inside `transports/relay`. One compliance suite runs against every implementation
 * (`transports/memory` for fast property tests, `transports/relay` with real js-waku nodes).
 */

/** A message as a subscriber receives it. */
export interface WakuMessage {
  readonly contentTopic: string;
  readonly payload: Uint8Array;
  /** When the sender stamped it, if the transport carries a timestamp. */
  readonly timestamp?: Date;
}

export type WakuMessageHandler = (message: WakuMessage) => void;

/** Stops one subscription; calling it again does nothing. */
export type Unsubscribe = () => Promise<void>;

export interface PublishOptions {
  readonly signal?: AbortSignal;
}

export interface PublishResult {
  /** Peers the transport handed the message to (0: published, but nobody took it yet). */
  readonly recipients: number;
}

export interface WakuTransport {
  /** The largest payload `publish` accepts; a larger one is E_BRIDGE_MESSAGE_TOO_LARGE. */
  readonly maxPayloadBytes: number;
  /**
   * Sends one payload (1..maxPayloadBytes bytes, copied: the caller may reuse its buffer) on a
   * content topic; each call sends a message, the same bytes twice too. Errors, checked in this
   * order before anything is sent: E_BRIDGE_CLOSED, the signal's reason (aborted before or in the
   * caller's turn), E_BRIDGE_BAD_TOPIC, E_BRIDGE_PUBLISH_FAILED for an empty payload (Waku relays
   * reject one: details.reason "empty-payload"), E_BRIDGE_MESSAGE_TOO_LARGE; then
   * E_BRIDGE_PUBLISH_FAILED when the network does not take it.
   */
  publish(contentTopic: string, payload: Uint8Array, options?: PublishOptions): Promise<PublishResult>;
  /**
   * Delivers every message later published on the topic by any peer (the transport's own included)
   * to the handler, never inside publish's call stack, each sender's in order, with a payload of
   * the handler's own. A handler that throws is logged; the others still get the message.
   */
  subscribe(contentTopic: string, handler: WakuMessageHandler): Promise<Unsubscribe>;
  /** Ends every subscription and frees what the transport holds (sockets, timers); later calls are E_BRIDGE_CLOSED. Idempotent. */
  close(): Promise<void>;
}
