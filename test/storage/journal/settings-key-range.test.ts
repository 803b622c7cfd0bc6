import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { keyStartsWith, prefixEnd } from "../../../src/storage/journal/settings-key-range.js";
import { tempDir } from "../../support/temp-dir.js";

const KEYS = ["upload-sealed", "upload-sealed:", "upload-sealed:a:0", "upload-sealed:a:b:12", "upload-sealed;", "upload-sealed;x", "upload-sealedx:1", "UPLOAD-SEALED:a:0", "upload-sealed9:1", "upload-source:a", "z"];

function settings(): Database.Database {
  const db = new Database(join(tempDir("scc-key-range-"), "state.db"));
  db.exec(`CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL) STRICT`);
  const put = db.prepare(`INSERT INTO settings (key, value) VALUES (?, '')`);
  for (const key of KEYS) put.run(key);
  return db;
}

describe("settings keys starting with a prefix, as a range of the key's index", () => {
  test("selects exactly the keys that start with the prefix, case-sensitively, as startsWith does", () => {
    const db = settings();
    try {
      const got = db.prepare(`SELECT key FROM settings WHERE ${keyStartsWith("upload-sealed:")} ORDER BY key`).pluck().all();
      expect(got).toEqual(KEYS.filter((k) => k.startsWith("upload-sealed:")).sort());
      const between = db.prepare(`SELECT key FROM settings WHERE key > ? AND key < ? ORDER BY key`).pluck().all("upload-sealed:a:", prefixEnd("upload-sealed:a:"));
      expect(between).toEqual(["upload-sealed:a:0", "upload-sealed:a:b:12"]);
    } finally {
      db.close();
    }
  });

  test("SQLite answers it from the key's index, not by scanning the table (LIKE scans it)", () => {
    const db = settings();
    try {
      const plan = (where: string): string => (db.prepare(`EXPLAIN QUERY PLAN SELECT value FROM settings WHERE ${where}`).all() as { detail: string }[]).map((r) => r.detail).join("; ");
      expect(plan(keyStartsWith("upload-sealed:"))).toMatch(/SEARCH settings USING INDEX \S+ \(key>\? AND key<\?\)/);
      expect(plan(`key LIKE 'upload-sealed:%'`)).toMatch(/SCAN settings/);
    } finally {
      db.close();
    }
  });

  test("refuses a prefix it cannot bound or quote", () => {
    expect(() => prefixEnd("upload-sealed")).toThrow(/ends in ':'/);
    expect(() => keyStartsWith("it's:")).toThrow(/no quote/);
  });
});
