/**
 * Several store instances on one directory, in this process and in another: each writes only its
 * own pair, and each reads what the others wrote (a miss reads the others' new entries before it
 * answers "not found"); deletes are seen by a fresh instance.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";
import { readAll, sha256Hex } from "./support/local-log-files.js";
import { runLogChild } from "./support/local-log-process.js";
import type { StorageBackend } from "../../src/storage/backend.js";

async function expectServes(store: StorageBackend, cid: string, bytes: Buffer): Promise<void> {
  expect(await store.has(cid)).toBe(true);
  expect(sha256Hex(await readAll((await store.get(cid)).body))).toBe(sha256Hex(bytes));
}

describe("log store shared by several instances", () => {
  test("two instances on one directory read each other's blocks and each writes a pair of its own", async () => {
    const dir = tempDir();
    const a = createLocalBackend({ dir });
    const b = createLocalBackend({ dir });
    try {
      const early = randomBytes(70_000);
      const earlyCid = await a.put(early);
      await expectServes(b, earlyCid, early); // b loads the index after a wrote
      const fromB = randomBytes(300_000);
      const cidB = await b.put(fromB);
      await expectServes(a, cidB, fromB); // a had loaded before: its miss reads b's new pair
      const late = randomBytes(5);
      const lateCid = await a.put(late);
      await expectServes(b, lateCid, late); // b knows a's pair: its miss reads the new tail
      expect(readdirSync(join(dir, "log")).sort()).toHaveLength(4);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a delete in one instance is seen by the other after a refresh and by a fresh instance after reopen", async () => {
    const dir = tempDir();
    const a = createLocalBackend({ dir });
    const b = createLocalBackend({ dir });
    const kept = randomBytes(1000);
    const gone = randomBytes(2000);
    const keptCid = await a.put(kept);
    const goneCid = await a.put(gone);
    await expectServes(b, goneCid, gone);
    await b.delete(goneCid); // b's tombstone, in b's own pair, outranks a's entry
    expect(await b.has(goneCid)).toBe(false);
    await a.close();
    await b.close();
    const fresh = createLocalBackend({ dir });
    try {
      expect(await fresh.has(goneCid)).toBe(false);
      await expect(fresh.get(goneCid)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      await expectServes(fresh, keptCid, kept);
      // Put again after the delete: the new entry's seq is above the tombstone's, so it is live.
      expect(await fresh.put(gone)).toBe(goneCid);
    } finally {
      await fresh.close();
    }
    const again = createLocalBackend({ dir });
    try {
      await expectServes(again, goneCid, gone);
    } finally {
      await again.close();
    }
  });

  test("a put after another live instance deleted the same content outranks its tombstone (the cycle reads the other writers first)", async () => {
    const dir = tempDir();
    const a = createLocalBackend({ dir });
    const b = createLocalBackend({ dir });
    try {
      const bytes = randomBytes(50_000);
      const cid = await a.put(bytes);
      await b.delete(cid);
      for (let i = 0; i < 3; i++) await b.put(randomBytes(100)); // b's clock runs ahead of a's
      await b.delete(await b.put(randomBytes(10)));
      expect(await a.put(bytes)).toBe(cid);
      const fresh = createLocalBackend({ dir });
      try {
        await expectServes(fresh, cid, bytes);
      } finally {
        await fresh.close();
      }
      await expectServes(b, cid, bytes);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("an instance in another process: each reads what the other wrote, and its deletes are seen", async () => {
    const dir = tempDir();
    const here = createLocalBackend({ dir });
    try {
      const mine = randomBytes(200_000);
      const myCid = await here.put(mine);
      const child = await runLogChild(["put", dir, "3", "7"]);
      expect(child.acknowledged).toHaveLength(3);
      for (const cid of child.acknowledged) {
        expect(await here.has(cid)).toBe(true);
        const got = await here.get(cid);
        expect((await readAll(got.body)).byteLength).toBe(got.size);
      }
      await runLogChild(["delete", dir, myCid, child.acknowledged[0] as string]);
      const fresh = createLocalBackend({ dir });
      try {
        expect(await fresh.has(myCid)).toBe(false);
        expect(await fresh.has(child.acknowledged[0] as string)).toBe(false);
        expect(await fresh.has(child.acknowledged[1] as string)).toBe(true);
      } finally {
        await fresh.close();
      }
    } finally {
      await here.close();
    }
  }, 30_000);
});
