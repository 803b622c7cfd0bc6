import { createHash } from "node:crypto";

/**
 * One schema migration, as data. SQL lives in strings, not in functions, so the checksum is the
 * same whether the code runs from TypeScript sources (tsx, vitest) or from compiled `dist/`
 * (a function's `toString()` differs between the two).
 */
export interface MigrationDefinition {
  /** `NNNN_words`, equal to the file name without its extension. */
  readonly name: string;
  /** Protocol version of the release that ships this migration. */
  readonly protocol: number;
  /** State level of the file once this migration is applied. */
  readonly level: number;
  /**
   * Oldest level that can still use the file once this migration is applied. Stays at the
   * previous value for additive changes; raised (at most to `level - 1`) when the migration
   * removes or rewrites something an older level reads.
   */
  readonly compatLevel: number;
  /** One line for `migrate status` and the dry-run report. */
  readonly summary: string;
  /**
   * `table.column` (or a whole `table`) that code at this level and later no longer reads or
   * writes. A later migration may drop it while older levels still open the file, as long as every
   * level its compat level admits has retired it. Not part of the checksum: it changes no file.
   */
  readonly retires?: readonly string[];
  /** Statements run in order inside one `BEGIN IMMEDIATE … COMMIT` with the log row. */
  readonly up: readonly string[];
  /** Statements that restore every row the previous level had; run the same way. */
  readonly down: readonly string[];
}

const CHECKSUM_FORMAT = "scc-migration-v1";

function normalizeStatement(sql: string): string {
  return sql.replace(/\r\n?/g, "\n").trim();
}

/**
 * sha256 over everything that decides what the migration does to a file: name, protocol,
 * levels, `up` and `down`. The summary is left out so a wording fix is not an "edit".
 */
export function migrationChecksum(m: MigrationDefinition): string {
  const canonical = JSON.stringify([
    CHECKSUM_FORMAT,
    m.name,
    m.protocol,
    m.level,
    m.compatLevel,
    m.up.map(normalizeStatement),
    m.down.map(normalizeStatement),
  ]);
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
