import type { MigrationDefinition } from "../src/state/migration-definition.js";

/**
 * Level 2, release 0.2.0: files go to Codex as encrypted, pieced FileReferences; the community
 * description also travels as a signed Codex pointer. Purely additive (new tables, one defaulted
 * column), so release 0.1.0 keeps working on the upgraded file: compat level stays 1.
 */
export const migration: MigrationDefinition = {
  name: "0002_level2_dual_path",
  protocol: 2,
  level: 2,
  compatLevel: 1,
  // 0.2.0 stops writing and reading inline thumbnails (Codex files carry their own); level 3 may drop the column.
  retires: ["inline_attachments.thumbnail"],
  summary: "dual path: description source, CD pointers, file references, upload/download journals, cache, availability",
  up: [
    `ALTER TABLE communities ADD COLUMN source TEXT NOT NULL DEFAULT 'waku'`,
    `CREATE TABLE cd_pointers (
       community_id TEXT NOT NULL PRIMARY KEY,
       clock INTEGER NOT NULL,
       cid TEXT NOT NULL,
       content_hash BLOB NOT NULL,
       size INTEGER NOT NULL,
       expires_at INTEGER NOT NULL,
       signature BLOB NOT NULL,
       received_at INTEGER NOT NULL,
       fetched_at INTEGER
     ) STRICT`,
    `CREATE TABLE file_references (
       id INTEGER PRIMARY KEY,
       message_id TEXT NOT NULL,
       ref BLOB NOT NULL,
       plaintext_sha256 BLOB NOT NULL,
       plaintext_size INTEGER NOT NULL,
       mime TEXT NOT NULL,
       file_name TEXT NOT NULL,
       created_at INTEGER NOT NULL
     ) STRICT`,
    `CREATE INDEX file_references_by_message ON file_references (message_id)`,
    `CREATE TABLE upload_jobs (
       id TEXT NOT NULL PRIMARY KEY,
       state TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'done', 'failed', 'cancelled')),
       source_path TEXT NOT NULL,
       plaintext_size INTEGER NOT NULL,
       plaintext_sha256 BLOB,
       piece_size INTEGER NOT NULL,
       chunk_size INTEGER NOT NULL,
       enc_key BLOB NOT NULL,
       nonce_prefix BLOB NOT NULL,
       mime TEXT NOT NULL,
       file_name TEXT NOT NULL,
       protocol INTEGER NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       last_error TEXT,
       file_reference BLOB,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     ) STRICT`,
    `CREATE INDEX upload_jobs_by_state ON upload_jobs (state)`,
    `CREATE TABLE upload_pieces (
       job_id TEXT NOT NULL REFERENCES upload_jobs (id) ON DELETE CASCADE,
       idx INTEGER NOT NULL,
       cid TEXT NOT NULL,
       size INTEGER NOT NULL,
       sha256 BLOB NOT NULL,
       uploaded_at INTEGER NOT NULL,
       PRIMARY KEY (job_id, idx)
     ) STRICT`,
    `CREATE TABLE download_jobs (
       id TEXT NOT NULL PRIMARY KEY,
       state TEXT NOT NULL CHECK (state IN ('queued', 'downloading', 'done', 'failed', 'cancelled')),
       file_reference BLOB NOT NULL,
       dest_path TEXT NOT NULL,
       temp_path TEXT NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       last_error TEXT,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     ) STRICT`,
    `CREATE INDEX download_jobs_by_state ON download_jobs (state)`,
    `CREATE TABLE download_pieces (
       job_id TEXT NOT NULL REFERENCES download_jobs (id) ON DELETE CASCADE,
       idx INTEGER NOT NULL,
       verified_at INTEGER NOT NULL,
       PRIMARY KEY (job_id, idx)
     ) STRICT`,
    `CREATE TABLE cache_entries (
       cid TEXT NOT NULL PRIMARY KEY,
       path TEXT NOT NULL,
       size INTEGER NOT NULL,
       last_access INTEGER NOT NULL,
       pinned INTEGER NOT NULL DEFAULT 0
     ) STRICT`,
    `CREATE INDEX cache_entries_by_last_access ON cache_entries (last_access)`,
    `CREATE TABLE availability (
       cid TEXT NOT NULL PRIMARY KEY,
       uploaded_at INTEGER NOT NULL,
       expires_at INTEGER NOT NULL,
       referenced INTEGER NOT NULL DEFAULT 1,
       renewed_at INTEGER
     ) STRICT`,
    `CREATE INDEX availability_by_expires ON availability (expires_at)`,
  ],
  down: [
    `DROP TABLE availability`,
    `DROP TABLE cache_entries`,
    `DROP TABLE download_pieces`,
    `DROP TABLE download_jobs`,
    `DROP TABLE upload_pieces`,
    `DROP TABLE upload_jobs`,
    `DROP TABLE file_references`,
    `DROP TABLE cd_pointers`,
    `ALTER TABLE communities DROP COLUMN source`,
  ],
};
