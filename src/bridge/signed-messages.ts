/**
 * What a control node publishes: a SignedCommunityDescription or a CommunityDescriptionPointer,
 * signed with the community's key, and the envelope that carries it over Waku.
 */
import {
  encodeCommunityDescriptionPointer,
  encodeEnvelope,
  encodeSignedCommunityDescription,
  encodeWholeEnvelope,
  SIGNATURE_BYTES,
  type CapabilitiesDraft,
  type CommunityDescriptionPointer,
} from "../wire/index.js";
import { communityIdOf } from "./secret-key.js";
import { signPayloadBytes } from "./signed-payload.js";

/** How a publication is written: the key, and the envelope's fields (negotiation's choice for the audience). */
export interface SealOptions {
  /** The community's secret key (32 bytes); the community id is its compressed public key. Never logged. */
  readonly secretKey: Uint8Array;
  /** The protocol version the payload and its envelope are written with. */
  readonly version: number;
  readonly minReader?: number;
  readonly fallbackText?: string;
  readonly sender?: CapabilitiesDraft;
}

/** A signed payload: the bytes the signature covers (what Codex stores), and the envelope for Waku. */
export interface Sealed {
  /** The signed payload message alone: a description's is what the control node stores on Codex. */
  readonly payload: Uint8Array;
  /**
   * The envelope carrying `payload`. A description's may exceed one Waku message
   * (MAX_WRITTEN_ENVELOPE_BYTES): `envelopesToPublish` splits it into Segment envelopes then.
   */
  readonly envelope: Uint8Array;
}

/** The description's fields the control node sets (the community id and signature are the key's). */
export interface DescriptionDraft {
  /** The opaque CommunityDescription bytes (status-go's protobuf). */
  readonly description: Uint8Array;
  /** Lamport clock, 1 or more. */
  readonly clock: number;
}

/** The pointer's fields the control node sets (the community id and signature are the key's). */
export type PointerDraft = Omit<CommunityDescriptionPointer, "communityId" | "signature">;

/** The encoders check a signature's shape: this stands in for it until the signature is written over it. */
const PLACEHOLDER = new Uint8Array(SIGNATURE_BYTES);

function envelopeFields(options: Omit<SealOptions, "secretKey">): { version: number; minReader?: number; fallbackText: string; sender?: CapabilitiesDraft } {
  const fields: { version: number; minReader?: number; fallbackText: string; sender?: CapabilitiesDraft } = {
    version: options.version,
    fallbackText: options.fallbackText ?? "",
  };
  if (options.minReader !== undefined) fields.minReader = options.minReader;
  if (options.sender !== undefined) fields.sender = options.sender;
  return fields;
}

/** A signed description payload in the (whole) envelope a seal writes; a control node's kept publication is rebuilt with it (publisher-held.ts). */
export function descriptionEnvelope(payload: Uint8Array, options: Omit<SealOptions, "secretKey">): Uint8Array {
  return encodeWholeEnvelope({ ...envelopeFields(options), type: "community-description", payload });
}

/** A signed pointer payload in the envelope a seal writes (always one Waku message). */
export function pointerEnvelope(payload: Uint8Array, options: Omit<SealOptions, "secretKey">): Uint8Array {
  return encodeEnvelope({ ...envelopeFields(options), type: "cd-pointer", payload });
}

/**
 * Signs a community description for `options.version` and wraps it in its (whole) envelope.
 * Wire errors of the draft (a clock of 0, an empty description, a version without the message)
 * are the wire's WireError; a key that is no secp256k1 secret key is the RangeError naming
 * `secretKey` that `new DescriptionPublisher` throws (communityIdOf: one check for both).
 */
export function sealCommunityDescription(draft: DescriptionDraft, options: SealOptions): Sealed {
  const communityId = communityIdOf(options.secretKey);
  const unsigned = encodeSignedCommunityDescription(
    { communityId, clock: draft.clock, description: draft.description, signature: PLACEHOLDER },
    options.version,
  );
  const payload = signPayloadBytes("community-description", unsigned, options.secretKey);
  return { payload, envelope: descriptionEnvelope(payload, options) };
}

/** Signs a description pointer for `options.version` and wraps it in its envelope (always one Waku message); its key refused as sealCommunityDescription's. */
export function sealCommunityDescriptionPointer(draft: PointerDraft, options: SealOptions): Sealed {
  const communityId = communityIdOf(options.secretKey);
  const unsigned = encodeCommunityDescriptionPointer({ ...draft, communityId, signature: PLACEHOLDER }, options.version);
  const payload = signPayloadBytes("cd-pointer", unsigned, options.secretKey);
  return { payload, envelope: pointerEnvelope(payload, options) };
}
