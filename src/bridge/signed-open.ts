/**
 * What a receiver does with bytes from a community's topic, or from Codex: open them with its
 * reader window and verify the control node's signature on the payload as received.
 */
import {
  decodePayload,
  isWireError,
  openEnvelope,
  openWholeEnvelope,
  type CommunityDescriptionPointer,
  type Envelope,
  type OpenedEnvelope,
  type PayloadViews,
  type ReadAt,
  type ReaderWindow,
  type Segment,
  type SignedCommunityDescription,
} from "../wire/index.js";
import { BridgeError } from "./bridge-error.js";
import { MAX_DESCRIPTION_BYTES } from "./segment-limits.js";
import { verifyPayloadBytes } from "./signed-payload.js";

/** A verified description: signed by the key its community id is. */
export interface VerifiedDescription {
  readonly kind: "community-description";
  readonly message: SignedCommunityDescription;
  /** keccak256 of the payload without its signature field: the same for every copy of this publication. */
  readonly digest: Uint8Array;
  /** The signed payload bytes as received (a view into the input): what a member forwards or stores. */
  readonly payload: Uint8Array;
}

/** A verified pointer: signed by the key its community id is. */
export interface VerifiedPointer {
  readonly kind: "cd-pointer";
  readonly message: CommunityDescriptionPointer;
  readonly digest: Uint8Array;
  readonly payload: Uint8Array;
}

/** One segment of a whole (not signed itself: the whole is, once reassembled). */
export interface ReceivedSegment {
  readonly kind: "segment";
  readonly message: Segment;
}

/** What openBridgeEnvelope gives, with the envelope it came in. */
export type OpenedBridgeEnvelope = (VerifiedDescription | VerifiedPointer | ReceivedSegment) & { readonly envelope: Envelope };

export interface OpenBridgeOptions {
  /** A lower cap than the default (one Waku message; a reassembled whole: MAX_DESCRIPTION_BYTES; a payload alone: the wire's). */
  readonly maxBytes?: number;
}

/** Untrusted bytes leave this layer only as BridgeError: the wire's error becomes E_BRIDGE_UNREADABLE. */
export function unreadable(err: unknown, what: string): unknown {
  if (!isWireError(err)) return err;
  return new BridgeError("E_BRIDGE_UNREADABLE", `${what} cannot be read: ${err.message}`, {
    cause: err,
    details: { wireCode: err.code },
  });
}

function opened(open: () => OpenedEnvelope, what: string): OpenedEnvelope {
  try {
    return open();
  } catch (err) {
    throw unreadable(err, what);
  }
}

function verifiedOf(result: OpenedEnvelope): OpenedBridgeEnvelope {
  const { envelope, payload } = result;
  switch (payload.kind) {
    case "community-description":
    case "cd-pointer": {
      const digest = verifyPayloadBytes(payload.kind, envelope.payload, payload.message.communityId);
      return { kind: payload.kind, message: payload.message, digest, payload: envelope.payload, envelope } as OpenedBridgeEnvelope;
    }
    case "segment":
      return { kind: "segment", message: payload.message, envelope };
    default:
      throw new BridgeError("E_BRIDGE_UNREADABLE", `a ${payload.kind} envelope is not for the description bridge (it carries descriptions, pointers and segments)`, {
        details: { kind: payload.kind },
      });
  }
}

/**
 * Opens an envelope from a community's topic with the reader's window: a description or a pointer
 * comes back verified (E_BRIDGE_SIGNATURE_INVALID otherwise), a segment as it is (for the
 * reassembler). Bytes the wire refuses, and other payload kinds, are E_BRIDGE_UNREADABLE.
 */
export function openBridgeEnvelope(bytes: Uint8Array, reader: ReaderWindow, options?: OpenBridgeOptions): OpenedBridgeEnvelope {
  return verifiedOf(opened(() => openEnvelope(bytes, reader, options), "an envelope from the network"));
}

/**
 * Opens a whole put back together from segments: it must be a community-description envelope
 * (E_BRIDGE_SEGMENT_INVALID for any other kind: segments carry descriptions only), verified.
 */
export function openReassembledDescription(
  whole: Uint8Array,
  reader: ReaderWindow,
  options?: OpenBridgeOptions,
): VerifiedDescription & { readonly envelope: Envelope } {
  const asked = options?.maxBytes;
  const maxBytes = typeof asked === "number" && asked < MAX_DESCRIPTION_BYTES ? asked : MAX_DESCRIPTION_BYTES;
  const result = opened(() => openWholeEnvelope(whole, reader, { ...options, maxBytes }), "a whole reassembled from segments");
  if (result.payload.kind !== "community-description") {
    throw new BridgeError("E_BRIDGE_SEGMENT_INVALID", `segments put back together a ${result.payload.kind} envelope; segments carry a community description only`, {
      details: { kind: result.payload.kind },
    });
  }
  return verifiedOf(result) as VerifiedDescription & { readonly envelope: Envelope };
}

/** A signed payload read alone and verified. */
function verifyAlone<K extends "community-description" | "cd-pointer">(
  kind: K,
  payload: Uint8Array,
  at: number | ReadAt,
  options: OpenBridgeOptions | undefined,
  what: string,
): { kind: K; message: PayloadViews[K]; digest: Uint8Array; payload: Uint8Array } {
  let message: PayloadViews[K];
  try {
    message = decodePayload(kind, payload, at, options);
  } catch (err) {
    throw unreadable(err, what);
  }
  return { kind, message, digest: verifyPayloadBytes(kind, payload, message.communityId), payload };
}

/**
 * Verifies a SignedCommunityDescription read alone (the bytes a pointer names on Codex), written
 * with `at.written` and read with the reader's own schema.
 */
export function verifyCommunityDescription(payload: Uint8Array, at: number | ReadAt, options?: OpenBridgeOptions): VerifiedDescription {
  return verifyAlone("community-description", payload, at, options, "a stored community description");
}

/** Verifies a CommunityDescriptionPointer read alone. */
export function verifyCommunityDescriptionPointer(payload: Uint8Array, at: number | ReadAt, options?: OpenBridgeOptions): VerifiedPointer {
  return verifyAlone("cd-pointer", payload, at, options, "a description pointer");
}
