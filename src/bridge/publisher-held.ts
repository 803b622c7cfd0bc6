import { encodeCommunityDescriptionPointer, encodeSignedCommunityDescription, withoutField } from "../wire/index.js";
import type { CommunityRow, PointerRow } from "../state/index.js";
import type { ReceiverStore } from "./receiver-state.js";
import { envelopesToPublish } from "./segment-split.js";
import { descriptionEnvelope, pointerEnvelope, type SealOptions } from "./signed-messages.js";
import { SIGNATURE_FIELD, verifyPayloadBytes } from "./signed-payload.js";

/**
 * A control node's last publication kept in the state's rows (`communities`: the description and
 * its signature; `cd_pointers`: the pointer), so that a publisher started again on the same state
 * knows its clock and can send the same signed bytes again (docs/bridge.md, Publisher). The rows
 * are the ones a member's receiver keeps: a SignedCommunityDescription is the same message at every
 * version, so its bytes, re-encoded with the kept signature, are the ones signed, whichever path
 * (whole over Waku, stored on Codex) they went by.
 */

/** One message of a publication as sent, with its metric path. */
export interface HeldMessage {
  readonly envelope: Uint8Array;
  readonly path: string;
}

/** The clocks the rows hold for a community: the newest that went out on any path. */
export function heldClock(held: ReceiverStore, communityHex: string): number | undefined {
  const description = held.community(communityHex)?.clock;
  const pointer = held.pointer(communityHex)?.clock;
  if (description === undefined) return pointer;
  return pointer === undefined ? description : Math.max(description, pointer);
}

/** The signature a sealed payload carries (the bytes its signature field holds). */
export function signatureOf(kind: "community-description" | "cd-pointer", payload: Uint8Array): Uint8Array {
  const split = withoutField(payload, SIGNATURE_FIELD[kind]);
  if (!split.ok) throw new TypeError(`a sealed ${kind} lacks its signature field (${split.fault})`);
  return split.value.slice();
}

/**
 * The whole description's messages rebuilt from the `communities` row: the payload re-encoded with
 * its kept signature, checked against the community's key (a row that does not verify is
 * E_BRIDGE_SIGNATURE_INVALID: nothing is sent), wrapped and segmented as publish does.
 */
export function heldWholeMessages(
  row: Pick<CommunityRow, "clock" | "description" | "signature">,
  communityId: Uint8Array,
  whole: SealOptions,
  segment: SealOptions,
): HeldMessage[] {
  const payload = encodeSignedCommunityDescription({ communityId, clock: row.clock, description: row.description, signature: row.signature }, whole.version);
  verifyPayloadBytes("community-description", payload, communityId);
  const envelopes = envelopesToPublish(descriptionEnvelope(payload, whole), segment);
  const path = envelopes.length > 1 ? "segment" : "whole";
  return envelopes.map((envelope) => ({ envelope, path }));
}

/** The pointer's message rebuilt from the `cd_pointers` row, checked as heldWholeMessages checks. */
export function heldPointerMessage(
  row: Omit<PointerRow, "communityId" | "receivedAt">,
  communityId: Uint8Array,
  options: SealOptions,
): HeldMessage {
  const supersedes = options.version >= 3 && row.supersedesClock !== undefined && row.supersedesCid !== undefined ? { supersedesClock: row.supersedesClock, supersedesCid: row.supersedesCid } : {};
  const payload = encodeCommunityDescriptionPointer(
    { communityId, clock: row.clock, cid: row.cid, contentHash: row.contentHash, size: row.size, expiresAt: row.expiresAt, signature: row.signature, ...supersedes },
    options.version,
  );
  verifyPayloadBytes("cd-pointer", payload, communityId);
  return { envelope: pointerEnvelope(payload, options), path: "pointer" };
}
