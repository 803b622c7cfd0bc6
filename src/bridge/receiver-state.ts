import { communityRows, type CommunityRow, type CommunityRows, type PointerRow, type RefusedRow, type StateHandle } from "../state/index.js";

/**
 * What the receiver keeps per community between messages and across restarts: the newest
 * description it handed on (its clock is the one a message must be above) and the newest pointer
 * seen, with whether its description was fetched. The state's rows (src/state CommunityRows) are the
 * shape: `stateReceiverStore` keeps them in the local state's `communities` and `cd_pointers`,
 * `memoryReceiverStore` in memory, for tests and apps without a state file. Both only ever raise a
 * clock, but for a control node's own publication over a row it refused (replaceCommunity, replacePointer).
 */
export type ReceiverStore = CommunityRows;

export function memoryReceiverStore(): ReceiverStore {
  const descriptions = new Map<string, CommunityRow>();
  const pointers = new Map<string, PointerRow & { fetchedAt?: number }>();
  return {
    community: (id) => descriptions.get(id),
    putCommunity(row) {
      const held = descriptions.get(row.id);
      if (held !== undefined && row.clock <= held.clock) return false;
      descriptions.set(row.id, row);
      return true;
    },
    pointer: (id) => pointers.get(id),
    putPointer(row) {
      const held = pointers.get(row.communityId);
      if (held !== undefined && row.clock <= held.clock) return false;
      pointers.set(row.communityId, { ...row });
      return true;
    },
    markPointerFetched(id, cid, at) {
      const held = pointers.get(id);
      if (held !== undefined && held.cid === cid) held.fetchedAt = at;
    },
    replaceCommunity(row, refused) {
      if (isRow(descriptions.get(row.id), refused)) descriptions.delete(row.id);
      return this.putCommunity(row);
    },
    replacePointer(row, refused) {
      if (isRow(pointers.get(row.communityId), refused)) pointers.delete(row.communityId);
      return this.putPointer(row);
    },
  };
}

/** The receiver's rows in the local state, at the level the state was opened for. */
export function stateReceiverStore(state: StateHandle): ReceiverStore {
  return communityRows(state);
}

/** Whether the held row is the one refused (the same clock and signature). */
function isRow(held: { readonly clock: number; readonly signature: Uint8Array } | undefined, refused: RefusedRow): boolean {
  return held !== undefined && held.clock === refused.clock && Buffer.from(held.signature).equals(refused.signature);
}
