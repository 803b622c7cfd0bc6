import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { communityRows, openState } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

const ID = "0x02" + "ab".repeat(32);

function row(clock: number, text: string, source: "waku" | "codex" = "waku") {
  return { id: ID, clock, description: new TextEncoder().encode(text), signature: new Uint8Array(65).fill(clock), receivedAt: 1_700_000_000_000 + clock, source };
}

function pointer(clock: number) {
  return {
    communityId: ID,
    clock,
    cid: `zDvZRwzm${clock}abcdefgh`,
    contentHash: new Uint8Array(32).fill(clock),
    size: 100 + clock,
    expiresAt: 1_800_000_000 + clock,
    signature: new Uint8Array(65).fill(clock),
    receivedAt: 1_700_000_000_000 + clock,
    supersedesClock: clock - 1,
    supersedesCid: `zDvZRwzm${clock - 1}abcdefgh`,
  };
}

describe("communityRows: the bridge's rows in a real state file, at each level", () => {
  for (const level of [1, 2, 3]) {
    test(`level ${level}: a newer clock replaces the description, an older or equal one never does, and it survives a reopen`, async () => {
      const path = join(tempDir(), "state.sqlite");
      const state = await openState({ path, level });
      try {
        const rows = communityRows(state);
        expect(rows.community(ID)).toBeUndefined();
        expect(rows.putCommunity(row(5, "five", "codex"))).toBe(true);
        expect(rows.putCommunity(row(4, "four"))).toBe(false);
        expect(rows.putCommunity(row(5, "five again"))).toBe(false);
        expect(rows.putCommunity(row(7, "seven", "codex"))).toBe(true);
      } finally {
        state.close();
      }
      const again = await openState({ path, level });
      try {
        const held = communityRows(again).community(ID);
        expect(held?.clock).toBe(7);
        expect(new TextDecoder().decode(held?.description)).toBe("seven");
        expect(held?.signature).toEqual(new Uint8Array(65).fill(7));
        // Level 1 has no source column: what it holds came over Waku.
        expect(held?.source).toBe(level === 1 ? "waku" : "codex");
      } finally {
        again.close();
      }
    });

    test(`level ${level}: pointers are kept from level 2 on, newest clock only, supersedes from level 3, fetched marked`, async () => {
      const state = await openState({ path: join(tempDir(), "state.sqlite"), level });
      try {
        const rows = communityRows(state);
        expect(rows.putPointer(pointer(3))).toBe(level >= 2);
        expect(rows.putPointer(pointer(2))).toBe(false);
        rows.markPointerFetched(ID, pointer(3).cid, 1234);
        const held = rows.pointer(ID);
        if (level === 1) {
          expect(held).toBeUndefined();
          return;
        }
        const { supersedesClock, supersedesCid, ...common } = pointer(3);
        expect(held).toEqual({ ...common, fetchedAt: 1234, ...(level >= 3 ? { supersedesClock, supersedesCid } : {}) });
        // A newer pointer clears the fetched mark: its description is not fetched yet.
        expect(rows.putPointer(pointer(4))).toBe(true);
        expect(rows.pointer(ID)?.fetchedAt).toBeUndefined();
      } finally {
        state.close();
      }
    });

    test(`level ${level}: replaceCommunity and replacePointer write a lower clock over the refused row only (its clock and signature), then rows rise again`, async () => {
      const path = join(tempDir(), "state.sqlite");
      const state = await openState({ path, level });
      try {
        const rows = communityRows(state);
        rows.putCommunity(row(900, "forged"));
        rows.putPointer(pointer(900));
        // Another row than the one refused (its signature differs): raised as putCommunity does, so not replaced.
        expect(rows.replaceCommunity?.(row(6, "six"), { clock: 900, signature: new Uint8Array(65).fill(1) })).toBe(false);
        expect(rows.replacePointer?.(pointer(6), { clock: 900, signature: new Uint8Array(65).fill(1) })).toBe(false);
        expect(rows.community(ID)?.clock).toBe(900);
        expect(rows.replaceCommunity?.(row(6, "six"), { clock: 900, signature: row(900, "").signature })).toBe(true);
        expect(rows.replacePointer?.(pointer(6), { clock: 900, signature: pointer(900).signature })).toBe(level >= 2);
        expect(rows.putCommunity(row(5, "five"))).toBe(false);
        expect(rows.putPointer(pointer(5))).toBe(false);
      } finally {
        state.close();
      }
      const again = await openState({ path, level });
      try {
        const rows = communityRows(again);
        expect(new TextDecoder().decode(rows.community(ID)?.description)).toBe("six");
        expect(rows.pointer(ID)?.clock).toBe(level >= 2 ? 6 : undefined);
      } finally {
        again.close();
      }
    });
  }
});
