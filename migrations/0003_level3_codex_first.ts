import type { MigrationDefinition } from "../src/state/migration-definition.js";

/**
 * Level 3, release 0.3.0: Codex first. Pointers supersede by clock, file references expire,
 * pieces know their offset. Drops `inline_attachments.thumbnail`, which 0.2.0 neither writes
 * nor reads but 0.1.0 does: allowed two releases apart, and it raises the compat level to 2.
 * The thumbnails are kept aside first so `down` restores every value exactly.
 */
export const migration: MigrationDefinition = {
  name: "0003_level3_codex_first",
  protocol: 3,
  level: 3,
  compatLevel: 2,
  summary: "codex first: pointer supersede fields, file reference expiry, piece offsets; retire inline thumbnails",
  up: [
    `ALTER TABLE cd_pointers ADD COLUMN supersedes_clock INTEGER`,
    `ALTER TABLE cd_pointers ADD COLUMN supersedes_cid TEXT`,
    // "offset" is an SQL keyword: queries must quote it.
    `ALTER TABLE upload_pieces ADD COLUMN "offset" INTEGER`,
    `ALTER TABLE file_references ADD COLUMN expires_at INTEGER`,
    `CREATE TABLE _retired_inline_attachment_thumbnails (
       id INTEGER PRIMARY KEY REFERENCES inline_attachments (id) ON DELETE CASCADE,
       thumbnail BLOB NOT NULL
     ) STRICT`,
    `INSERT INTO _retired_inline_attachment_thumbnails (id, thumbnail)
       SELECT id, thumbnail FROM inline_attachments WHERE thumbnail IS NOT NULL`,
    `ALTER TABLE inline_attachments DROP COLUMN thumbnail`,
  ],
  down: [
    // ADD COLUMN puts thumbnail last instead of before created_at; queries name their columns,
    // and the schema fingerprint ignores column order, so a full table rebuild is not needed.
    `ALTER TABLE inline_attachments ADD COLUMN thumbnail BLOB`,
    `UPDATE inline_attachments
        SET thumbnail = (SELECT r.thumbnail FROM _retired_inline_attachment_thumbnails r WHERE r.id = inline_attachments.id)
      WHERE id IN (SELECT id FROM _retired_inline_attachment_thumbnails)`,
    `DROP TABLE _retired_inline_attachment_thumbnails`,
    `ALTER TABLE file_references DROP COLUMN expires_at`,
    `ALTER TABLE upload_pieces DROP COLUMN "offset"`,
    `ALTER TABLE cd_pointers DROP COLUMN supersedes_cid`,
    `ALTER TABLE cd_pointers DROP COLUMN supersedes_clock`,
  ],
};
