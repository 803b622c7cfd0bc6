/**
 * A torn index: whatever byte the `.idx` is cut at, or whichever byte of its tail entry is flipped,
 * a fresh store serves exactly the state after a prefix of the entries (the entries before the cut
 * or the flipped one), and never a wrong block.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";
import { ENTRY_BYTES, HEADER_BYTES, readAll, sha256Hex } from "./support/local-log-files.js";

type Op = { put: number } | { del: number };

/** Runs the ops on a fresh store; one entry each (a put of a live block or a delete of an absent one adds none). */
async function writeStore(dir: string, blocks: readonly Buffer[], ops: readonly Op[]): Promise<{ cids: string[]; states: Set<number>[] }> {
  const store = createLocalBackend({ dir });
  const cids: string[] = [];
  const live = new Set<number>();
  // states[k]: the live blocks after the first k entries
  const states: Set<number>[] = [new Set()];
  try {
    for (const [i, block] of blocks.entries()) cids[i] = (await store.put(block)) as string;
    for (const [i] of blocks.entries()) {
      live.add(i);
      states.push(new Set(live));
    }
    for (const op of ops) {
      if ("put" in op) {
        await store.put(blocks[op.put] as Buffer);
        live.add(op.put);
        states.push(new Set(live));
      } else if (live.has(op.del)) {
        await store.delete(cids[op.del] as string);
        live.delete(op.del);
        states.push(new Set(live));
      }
    }
  } finally {
    await store.close();
  }
  return { cids, states };
}

async function servedBlocks(dir: string, blocks: readonly Buffer[], cids: readonly string[]): Promise<Set<number>> {
  const store = createLocalBackend({ dir });
  const served = new Set<number>();
  try {
    for (const [i, cid] of cids.entries()) {
      const has = await store.has(cid);
      const got = await store.get(cid).then(
        async (r) => readAll(r.body),
        (error: unknown) => {
          expect(error).toMatchObject({ code: "E_NOT_FOUND" });
          return undefined;
        },
      );
      expect(got !== undefined).toBe(has);
      if (got === undefined) continue;
      // Never a wrong block: the bytes are the ones put under this CID.
      expect(sha256Hex(got)).toBe(sha256Hex(blocks[i] as Buffer));
      served.add(i);
    }
  } finally {
    await store.close();
  }
  return served;
}

describe("torn log index", () => {
  test("cut at any byte or with any byte of the tail entry flipped, a fresh store serves exactly a prefix of the entries", async () => {
    const root = tempDir("scc-log-torn-");
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.oneof(fc.record({ put: fc.nat(3) }), fc.record({ del: fc.nat(3) })), { maxLength: 5 }),
        fc.oneof(fc.record({ cut: fc.double({ min: 0, max: 1, noNaN: true }) }), fc.record({ flip: fc.nat(ENTRY_BYTES - 1), bits: fc.integer({ min: 1, max: 255 }) })),
        async (count, rawOps, damage) => {
          const blocks = Array.from({ length: count }, (_, i) => Buffer.from(`block ${i} of run ${run} `.repeat(1 + i * 37)));
          const ops = rawOps.map((op) => ("put" in op ? { put: op.put % count } : { del: op.del % count }));
          const dir = join(root, `run-${run++}`);
          const { cids, states } = await writeStore(dir, blocks, ops);
          const names = readdirSync(join(dir, "log"));
          const idxName = names.find((n) => n.endsWith(".idx")) as string;
          expect(names.filter((n) => n.endsWith(".idx"))).toHaveLength(1);
          const idx = readFileSync(join(dir, "log", idxName));
          const entries = states.length - 1;
          expect(idx.byteLength).toBe(HEADER_BYTES + entries * ENTRY_BYTES);
          let damaged: Buffer;
          let kept: number;
          if ("cut" in damage) {
            const at = Math.floor(damage.cut * idx.byteLength);
            damaged = idx.subarray(0, at);
            kept = Math.max(0, Math.floor((at - HEADER_BYTES) / ENTRY_BYTES));
          } else {
            damaged = Buffer.from(idx);
            const at = HEADER_BYTES + (entries - 1) * ENTRY_BYTES + damage.flip;
            damaged[at] = (damaged[at] as number) ^ damage.bits;
            kept = entries - 1;
          }
          const copy = join(root, `copy-${run}`);
          mkdirSync(join(copy, "log"), { recursive: true });
          for (const name of names) if (name.endsWith(".seg")) copyFileSync(join(dir, "log", name), join(copy, "log", name));
          writeFileSync(join(copy, "log", idxName), damaged);
          const served = await servedBlocks(copy, blocks, cids);
          expect([...served].sort()).toEqual([...(states[kept] as Set<number>)].sort());
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
