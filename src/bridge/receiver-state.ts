import { communityRows, type CommunityRow, type PointerRow, type StateHandle } from "../state/index.js";

/**
 * What the receiver keeps per community between messages and across restarts: the newest
 * description it handed on (its clock is the one a message must be above) and the newest pointer
 * seen. `stateReceiverStore` keeps them in the local state's `communities` and `cd_pointers` rows;
 * `memoryReceiverStore` in memory, for tests and apps without a state file.
 */
export interface ReceiverStore {
  /** The newest description held for the community (`0x…` hex ID). */
  description(communityHex: string): CommunityRow | undefined;
  /** Keeps a description whose clock is above the held one; whether it did (false: an older or equal clock, nothing changed). */
  acceptDescription(row: CommunityRow): boolean;
  /** The newest pointer seen for the community, with when its description was fetched (undefined: not yet). */
  pointer(communityHex: string): (PointerRow & { readonly fetchedAt?: number }) | undefined;
  /** Keeps a pointer whose clock is above the held pointer's (a store without pointer rows ignores it). */
  notePointer(row: PointerRow): void;
  /** The pointer's description was fetched and verified. */
  noteFetched(communityHex: string, cid: string, at: number): void;
}

export function memoryReceiverStore(): ReceiverStore {
  const descriptions = new Map<string, CommunityRow>();
  const pointers = new Map<string, PointerRow & { fetchedAt?: number }>();
  return {
    description: (id) => descriptions.get(id),
    acceptDescription(row) {
      const held = descriptions.get(row.id);
      if (held !== undefined && row.clock <= held.clock) return false;
      descriptions.set(row.id, row);
      return true;
    },
    pointer: (id) => pointers.get(id),
    notePointer(row) {
      const held = pointers.get(row.communityId);
      if (held === undefined || row.clock > held.clock) pointers.set(row.communityId, row);
    },
    noteFetched(id, cid, at) {
      const held = pointers.get(id);
      if (held !== undefined && held.cid === cid) held.fetchedAt = at;
    },
  };
}

/** The receiver's rows in the local state (src/state communityRows), at the level the state was opened for. */
export function stateReceiverStore(state: StateHandle): ReceiverStore {
  const rows = communityRows(state);
  return {
    description: (id) => rows.community(id),
    acceptDescription: (row) => rows.putCommunity(row),
    pointer: (id) => rows.pointer(id),
    notePointer: (row) => void rows.putPointer(row),
    noteFetched: (id, cid, at) => rows.markPointerFetched(id, cid, at),
  };
}
