/**
 * docs/state.md (Opening the state): every connection the package opens on a state file deletes
 * securely. The storage journal holds content keys (upload_jobs.enc_key, the references in
 * file_reference); with SQLite's default a deleted row stays in its page's free space and a dropped
 * table's pages on the freelist as they were, so a copy of the file gave the keys away.
 * test/storage/forgotten-keys-erased.test.ts covers the client's own deletes and its -wal.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { migrateState, openState, shippedCatalog } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

const catalog = shippedCatalog();
const NOW = 1_790_000_000_000;

interface Secret {
  readonly id: string;
  readonly key: Buffer;
  readonly noncePrefix: Buffer;
}

/**
 * A level-2 state whose journal holds `count` uploads, each with its own key and a reference larger
 * than a page (so it also fills overflow pages), journaled through openState's connection as the
 * storage client journals them. (Rows written by a connection without secure delete, an older
 * release's, can leave copies that SQLite's page balancing moved behind: see docs/state.md.)
 */
async function stateWithKeys(count: number): Promise<{ path: string; secrets: Secret[] }> {
  const path = join(tempDir("scc-secure-delete-"), "state.sqlite");
  const secrets = Array.from({ length: count }, (_, i) => ({ id: `up-${i}`, key: randomBytes(32), noncePrefix: randomBytes(7) }));
  const state = await openState({ path, level: 2 });
  try {
    const insert = state.db.prepare(
      `INSERT INTO upload_jobs (id, state, source_path, plaintext_size, piece_size, chunk_size, enc_key, nonce_prefix, mime, file_name, protocol, file_reference, created_at, updated_at)
       VALUES (?, 'cancelled', ?, 9000000, 4194304, 65536, ?, ?, 'image/jpeg', 'holiday.jpg', 2, ?, ?, ?)`,
    );
    // One commit per job, as the client journals them.
    for (const s of secrets) insert.run(s.id, `/sdcard/DCIM/${s.id}.jpg`, s.key, s.noncePrefix, Buffer.concat([randomBytes(9000), s.key]), NOW, NOW);
  } finally {
    state.close();
  }
  return { path, secrets };
}

/** The secrets of which some bytes are in the database file or its -wal as they are on disk. */
function leftIn(path: string, secrets: readonly Secret[]): string[] {
  const files = [path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file));
  return secrets.filter((s) => files.some((bytes) => bytes.includes(s.key) || bytes.includes(s.noncePrefix))).map((s) => s.id);
}

describe("deleted key material is overwritten in the state file", () => {
  test("rows deleted through openState's connection leave no key or nonce prefix in the file (they stayed in the pages' free space)", async () => {
    const { path, secrets } = await stateWithKeys(12);
    expect(leftIn(path, secrets)).toEqual(secrets.map((s) => s.id));
    const kept = secrets.slice(0, 2);
    const state = await openState({ path, level: 2 });
    try {
      state.db.prepare(`DELETE FROM upload_jobs WHERE id NOT IN (?, ?)`).run(kept[0]?.id, kept[1]?.id);
    } finally {
      state.close();
    }
    expect(leftIn(path, secrets)).toEqual(kept.map((s) => s.id));
  });

  test("a down that drops the journal (discardUnfinishedJobs) leaves none of its keys in the freed pages", async () => {
    const { path, secrets } = await stateWithKeys(12);
    const result = await migrateState({ path, direction: "down", to: catalog.lastOfLevel(1)?.definition.name, discardUnfinishedJobs: true });
    expect(result.after.level).toBe(1);
    expect(leftIn(path, secrets)).toEqual([]);
  });
});
