import type { MigrationDefinition } from "../src/state/migration-definition.js";

/**
 * Level 1, release 0.1.0: everything travels over Waku. Community descriptions whole (segmented
 * above the size limit), attachments inline. Tables are STRICT so a wrongly typed value is an
 * error at insert time instead of a surprise two releases later.
 */
export const migration: MigrationDefinition = {
  name: "0001_level1_waku_only",
  protocol: 1,
  level: 1,
  compatLevel: 1,
  summary: "Waku-only state: settings, peers, communities, segments, inline attachments",
  up: [
    `CREATE TABLE settings (
       key TEXT NOT NULL PRIMARY KEY,
       value TEXT NOT NULL
     ) STRICT`,
    `CREATE TABLE peers (
       public_key TEXT NOT NULL PRIMARY KEY,
       protocol_min INTEGER NOT NULL,
       protocol_max INTEGER NOT NULL,
       seen_at INTEGER NOT NULL
     ) STRICT`,
    `CREATE TABLE communities (
       id TEXT NOT NULL PRIMARY KEY,
       clock INTEGER NOT NULL,
       description BLOB NOT NULL,
       signature BLOB NOT NULL,
       received_at INTEGER NOT NULL
     ) STRICT`,
    `CREATE TABLE segments (
       message_hash BLOB NOT NULL,
       idx INTEGER NOT NULL,
       count INTEGER NOT NULL,
       payload BLOB NOT NULL,
       received_at INTEGER NOT NULL,
       PRIMARY KEY (message_hash, idx)
     ) STRICT`,
    `CREATE TABLE inline_attachments (
       id INTEGER PRIMARY KEY,
       message_id TEXT NOT NULL,
       mime TEXT NOT NULL,
       file_name TEXT NOT NULL,
       data BLOB NOT NULL,
       thumbnail BLOB,
       created_at INTEGER NOT NULL
     ) STRICT`,
    `CREATE INDEX inline_attachments_by_message ON inline_attachments (message_id)`,
  ],
  down: [
    `DROP TABLE inline_attachments`,
    `DROP TABLE segments`,
    `DROP TABLE communities`,
    `DROP TABLE peers`,
    `DROP TABLE settings`,
  ],
};
