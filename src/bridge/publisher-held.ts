import { encodeCommunityDescriptionPointer, encodeSignedCommunityDescription, withoutField } from "../wire/index.js";
import type { CommunityRow, PointerRow } from "../state/index.js";
import { envelopesToPublish } from "./segment-split.js";
import { descriptionEnvelope, pointerEnvelope, type SealOptions } from "./signed-messages.js";
import { unreadable } from "./signed-open.js";
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

/** The signature a sealed payload carries (the bytes its signature field holds). */
export function signatureOf(kind: "community-description" | "cd-pointer", payload: Uint8Array): Uint8Array {
  const split = withoutField(payload, SIGNATURE_FIELD[kind]);
  if (!split.ok) throw new TypeError(`a sealed ${kind} lacks its signature field (${split.fault})`);
  return split.value.slice();
}

/**
 * The `communities` row's SignedCommunityDescription: the payload re-encoded with its kept
 * signature (the same message at every version) and checked against the community's key. A row
 * that does not verify is E_BRIDGE_SIGNATURE_INVALID, one the wire cannot encode (a clock out of
 * range, a signature of another length) E_BRIDGE_UNREADABLE.
 */
export function heldDescriptionPayload(row: Pick<CommunityRow, "clock" | "description" | "signature">, communityId: Uint8Array, version: number): Uint8Array {
  return verifiedRow("communities", () => {
    const payload = encodeSignedCommunityDescription({ communityId, clock: row.clock, description: row.description, signature: row.signature }, version);
    verifyPayloadBytes("community-description", payload, communityId);
    return payload;
  });
}

/**
 * The whole description's messages rebuilt from the `communities` row (heldDescriptionPayload:
 * nothing is sent of a row that does not verify), wrapped and segmented as publish does.
 */
export function heldWholeMessages(
  row: Pick<CommunityRow, "clock" | "description" | "signature">,
  communityId: Uint8Array,
  whole: SealOptions,
  segment: SealOptions,
): HeldMessage[] {
  const payload = heldDescriptionPayload(row, communityId, whole.version);
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
  const payload = verifiedRow("cd_pointers", () => {
    const encoded = encodeCommunityDescriptionPointer(
      { communityId, clock: row.clock, cid: row.cid, contentHash: row.contentHash, size: row.size, expiresAt: row.expiresAt, signature: row.signature, ...supersedes },
      options.version,
    );
    verifyPayloadBytes("cd-pointer", encoded, communityId);
    return encoded;
  });
  return { envelope: pointerEnvelope(payload, options), path: "pointer" };
}

/**
 * The pointer's message rebuilt at the version it was signed at. The row keeps no version, and the
 * audience (so the version chosen now) may have changed since it went out: a pointer written at
 * version 2 for a 0.2.0 member holds supersedes_* in the row (level 3) but not in its signed bytes.
 * Tried at `options.version` first, then at each other version of the writer's window (one that
 * carries no pointer fails to encode); the first error when none verifies.
 */
export function heldPointerMessageAtItsVersion(
  row: Omit<PointerRow, "communityId" | "receivedAt">,
  communityId: Uint8Array,
  options: SealOptions,
  window: { readonly min: number; readonly max: number },
): HeldMessage {
  const others = Array.from({ length: window.max - window.min + 1 }, (_, i) => window.max - i).filter((v) => v !== options.version);
  let first: unknown;
  for (const version of [options.version, ...others]) {
    try {
      return heldPointerMessage(row, communityId, { ...options, version });
    } catch (error) {
      first ??= error;
    }
  }
  throw first;
}

/** A row's payload built and verified; what the wire refuses to encode is E_BRIDGE_UNREADABLE, as bytes from the network are. */
function verifiedRow(table: "communities" | "cd_pointers", build: () => Uint8Array): Uint8Array {
  try {
    return build();
  } catch (error) {
    throw unreadable(error, `the kept ${table} row`);
  }
}
