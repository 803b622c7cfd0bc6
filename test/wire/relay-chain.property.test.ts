/**
 * Relays across the N / N+1 boundary, every hop changing a field it knows: N → N+1 → N, and
 * N+1 → N → N+1 (the older relay labels what it sends with its own version). The last reader must
 * see every field the first writer wrote, with every relay's change.
 */
import { test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { decodeForForwarding, decodePayload, encodePayload, type PayloadKind, type PayloadViews } from "../../src/wire/index.js";
import { adjacentProtocolPairs } from "../support/release-pairs.js";
import { anyPayload } from "./support/arbitraries.js";

const RUNS = { numRuns: 120 };

/** A change to a field every version of the kind knows, keeping the message valid; `hop` makes each relay's change its own. */
function touch(kind: PayloadKind, view: PayloadViews[PayloadKind], hop: number): void {
  const v = view as unknown as Record<string, unknown>;
  switch (kind) {
    case "community-description":
      v.description = new Uint8Array([0xf0, hop]);
      break;
    case "segment":
      v.payload = new Uint8Array([0x0d, hop]);
      break;
    case "inline-attachment":
    case "file-reference":
      v.fileName = `hop-${hop}.bin`;
      break;
    case "cd-pointer":
      v.expiresAt = 1_000 + hop;
      break;
  }
}

// From the release table: a new release adds its pair here (test/wire/release-pairs.test.ts).
for (const { older, newer } of adjacentProtocolPairs()) {
  describe(`versions ${older} and ${newer}`, () => {
    test.prop([anyPayload(older, newer)], RUNS)(
      `a version ${older} message relayed by a version ${newer} node reaches a version ${older} reader with every field and the relay's change`,
      ({ kind, view }) => {
        const written = encodePayload(kind, view, older);
        const relay = decodeForForwarding(kind, written, { written: older, reader: newer });
        touch(kind, relay.message, 1);
        const expected = structuredClone(view);
        touch(kind, expected, 1);
        expect(decodePayload(kind, relay.encode(), older)).toEqual(expected);
      },
    );

    test.prop([anyPayload(newer, older)], RUNS)(
      `a version ${newer} message relayed by a version ${older} node, then by a version ${newer} node, reaches a version ${newer} reader with every field and both changes`,
      ({ kind, view }) => {
        const written = encodePayload(kind, view, newer);
        const first = decodeForForwarding(kind, written, { written: newer, reader: older });
        touch(kind, first.message, 1);
        // The older relay can only label what it sends with its own version.
        const second = decodeForForwarding(kind, first.encode(), { written: older, reader: newer });
        touch(kind, second.message, 2);
        const expected = structuredClone(view);
        touch(kind, expected, 2);
        expect(decodePayload(kind, second.encode(), newer)).toEqual(expected);
      },
    );
  });
}
