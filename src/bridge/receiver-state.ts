import { communityRows, type CommunityRow, type CommunityRows, type PointerRow, type StateHandle } from "../state/index.js";

/**
 * What the receiver keeps per community between messages and across restarts: the newest
 * description it handed on (its clock is the one a message must be above) and the newest pointer
 * seen, with whether its description was fetched. The state's rows (src/state CommunityRows) are the
 * shape: `stateReceiverStore` keeps them in the local state's `communities` and `cd_pointers`,
 * `memoryReceiverStore` in memory, for tests and apps without a state file. Both only ever raise a
 * clock.
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
  };
}

/** The receiver's rows in the local state, at the level the state was opened for. */
export function stateReceiverStore(state: StateHandle): ReceiverStore {
  return communityRows(state);
}
