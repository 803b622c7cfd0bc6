import { CompatError } from "../errors/index.js";

export type BridgeErrorCode =
  /** A publish or subscribe on a transport (or a bridge) that was closed. */
  | "E_BRIDGE_CLOSED"
  /** A payload above what the transport carries (Waku's 150 KiB less the message's own fields): segment it or store it on Codex. */
  | "E_BRIDGE_MESSAGE_TOO_LARGE"
  /** The transport could not hand a message on (the node refused it, or no peer took it when one was required). */
  | "E_BRIDGE_PUBLISH_FAILED"
  /** A content topic that is not `/{application}/{version}/{name}/{encoding}`. */
  | "E_BRIDGE_BAD_TOPIC"
  /** A description or pointer whose signature is not the community's key's (forged, altered, or signed by another key). */
  | "E_BRIDGE_SIGNATURE_INVALID"
  /** A segment that cannot belong to a whole (index past its count, counts that disagree, too many), or a whole whose hash is not the one its segments named. */
  | "E_BRIDGE_SEGMENT_INVALID"
  /** A description fetched from Codex whose size or hash is not the one its pointer names. */
  | "E_BRIDGE_DESCRIPTION_MISMATCH"
  /** A pointer's description could not be fetched (retries and deadline spent) and no whole copy came over Waku. */
  | "E_BRIDGE_FETCH_FAILED"
  /** A publication whose description clock is not above the last one this publisher sent (members holding that one would drop it). */
  | "E_BRIDGE_CLOCK_NOT_ADVANCED"
  /** Bytes from the network that are no envelope the bridge can read (malformed, truncated, too large, outside the reader's window, or a kind it does not carry); the wire's error is the cause. */
  | "E_BRIDGE_UNREADABLE"
  /** A transport that could not start (its listen address taken) or reach a peer (a dial refused, no peer in time). */
  | "E_BRIDGE_CONNECT_FAILED";

/** The bridge layer's one error class (description propagation over Waku and Codex). Messages never carry key material or description contents. */
export class BridgeError extends CompatError<BridgeErrorCode> {
  readonly layer = "bridge" as const;
}

// hasErrorCode narrows a bridge code to BridgeError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    bridge: BridgeError;
  }
}
