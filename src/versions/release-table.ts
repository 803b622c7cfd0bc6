import semver from "semver";
import defaultTableJson from "./releases.json" with { type: "json" };
import type { Feature } from "./features.js";
import { validateReleaseTable as validateShape } from "./gen/release-table-validator.js";
import { describedValue } from "../errors/index.js";
import { VersionError } from "./version-error.js";

export interface Release {
  /** `major.minor.patch` of the Status release that introduced this row. */
  readonly release: string;
  /** Wire protocol version this release speaks (and writes by default). */
  readonly protocol: number;
  /** Schema level of the local state database this release expects. */
  readonly stateLevel: number;
  readonly summary: string;
  readonly writes: readonly Feature[];
  readonly reads: readonly Feature[];
}

/**
 * The release table, validated once: its shape against release-table.schema.json (precompiled by
 * `npm run gen`, so no process compiles the schema at start), then rows in strictly increasing semver
 * order, protocol and state level never decreasing, protocol stepping by at most one (so "adjacent rows"
 * really is "N and N+1"), every written feature also read, and every feature a row writes read by the
 * next row (N+1 reads what N sends; two rows apart may break). The rows are copied and frozen, feature
 * lists included: what was validated cannot change afterwards, through the JSON or through the rows.
 */
export class ReleaseTable {
  readonly rows: readonly Release[];
  /** Built from the package's own releases.json: an unknown release is then one this build does not know. */
  readonly #embedded: boolean;

  constructor(json: unknown) {
    this.#embedded = json === defaultTableJson;
    if (!validateShape(json)) {
      const why = (validateShape.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("; ");
      throw new VersionError("E_RELEASE_TABLE_INVALID", `release table does not match its schema: ${why}`);
    }
    const rows = (json as { releases: Release[] }).releases.map((r) =>
      Object.freeze({ ...r, writes: Object.freeze([...r.writes]), reads: Object.freeze([...r.reads]) }),
    );
    rows.forEach((row, i) => {
      const problem = ReleaseTable.rowProblem(row, rows[i - 1]);
      if (problem !== undefined) {
        throw new VersionError("E_RELEASE_TABLE_INVALID", `release table row ${i} (${row.release}): ${problem}`, {
          details: { row: i, release: row.release },
        });
      }
    });
    this.rows = Object.freeze(rows);
  }

  private static rowProblem(row: Release, previous: Release | undefined): string | undefined {
    // The schema's pattern takes any digits; semver refuses a part past 2^53 - 1 or a string over 256
    // characters, and every later semver call on such a row threw a TypeError instead of this error.
    if (semver.valid(row.release) === null) return "is not a release version semver reads (each part at most 2^53 - 1, at most 256 characters)";
    const unread = row.writes.filter((f) => !row.reads.includes(f));
    if (unread.length > 0) return `writes features it cannot read: ${unread.join(", ")}`;
    if (previous === undefined) return undefined;
    if (!semver.gt(row.release, previous.release)) return `must sort after ${previous.release}`;
    // Releases resolve by major.minor (patches never change the wire), so two rows cannot share one.
    if (semver.major(row.release) === semver.major(previous.release) && semver.minor(row.release) === semver.minor(previous.release)) {
      return `shares major.minor with ${previous.release}; patch releases need no row of their own`;
    }
    if (row.protocol < previous.protocol || row.protocol > previous.protocol + 1) {
      return `protocol ${row.protocol} must equal ${previous.protocol} or ${previous.protocol + 1}`;
    }
    if (row.stateLevel < previous.stateLevel) return `state level ${row.stateLevel} is below ${previous.stateLevel}`;
    // Consecutive releases must interoperate: a feature N writes that N+1 cannot read loses N's messages at N+1.
    const lost = previous.writes.filter((f) => !row.reads.includes(f));
    if (lost.length > 0) return `does not read ${lost.join(", ")}, which ${previous.release} writes (consecutive releases read each other's messages)`;
    return undefined;
  }

  get oldest(): Release {
    return this.rows[0] as Release;
  }

  get newest(): Release {
    return this.rows[this.rows.length - 1] as Release;
  }

  /**
   * Any release string to its row. Patch releases and pre-releases share their `major.minor` row
   * (they never change the wire); anything else outside the table is unknown, not guessed.
   */
  resolve(release: string): Release {
    const parsed = typeof release === "string" ? semver.parse(release.trim().replace(/^v/, "")) : null;
    if (parsed === null) {
      throw new VersionError(
        "E_RELEASE_INVALID",
        `"${String(release)}" is not a release version; expected major.minor.patch, e.g. ${this.newest.release}`,
        { details: { release } },
      );
    }
    const row = this.rows.find((r) => {
      const v = semver.parse(r.release) as semver.SemVer;
      return v.major === parsed.major && v.minor === parsed.minor;
    });
    if (row === undefined) {
      // "add a row to src/versions/releases.json" alone told someone who installed the package to edit it.
      const known = this.rows.map((r) => r.release).join(", ");
      const message = this.#embedded
        ? `release ${parsed.version} is not in the release table (known: ${known}): this build of status-codex-compat does not know it; ` +
          "for a newer release, upgrade status-codex-compat to a version that does (developers of status-codex-compat: add its row to src/versions/releases.json)"
        : `release ${parsed.version} is not in the release table given (known: ${known}): add its row to the JSON that table was built from`;
      throw new VersionError("E_RELEASE_UNKNOWN", message, { details: { release: parsed.version } });
    }
    return row;
  }

  /** The newest release that speaks `protocol`. */
  forProtocol(protocol: number): Release {
    const matches = this.rows.filter((r) => r.protocol === protocol);
    const row = matches[matches.length - 1];
    if (row === undefined) {
      const known = [...new Set(this.rows.map((r) => r.protocol))].join(", ");
      // Text from a settings file ("3") read as "no release speaks protocol 3", of the build's own protocol.
      const message =
        typeof protocol === "number" ? `no release speaks protocol ${protocol} (the release table's protocols: ${known})` : `a protocol is a number (the release table's: ${known}), not ${describedValue(protocol)}`;
      throw new VersionError("E_PROTOCOL_UNKNOWN", message, { details: { protocol } });
    }
    return row;
  }

  /**
   * The row `release` resolves to (a Release is placed by its release string, as a string is);
   * E_RELEASE_UNKNOWN for one the table does not hold, which was -1 (and distance() then counted it
   * as one row from the oldest: "consecutive").
   */
  indexOf(release: Release | string): number {
    const name = release !== null && typeof release === "object" ? release.release : release;
    const row = this.resolve(name);
    return this.rows.indexOf(row);
  }

  /** Rows apart in the table: 0 same release, 1 consecutive (must interoperate), 2+ may break. */
  distance(a: Release | string, b: Release | string): number {
    return Math.abs(this.indexOf(a) - this.indexOf(b));
  }

  /** Every consecutive pair, older first. Adding a row adds a pair. */
  adjacentPairs(): Array<readonly [Release, Release]> {
    return this.rows.slice(1).map((row, i) => [this.rows[i] as Release, row] as const);
  }

  /** Lowest and highest protocol version of the table. */
  protocolRange(): { min: number; max: number } {
    return { min: this.oldest.protocol, max: this.newest.protocol };
  }
}

export const releaseTable: ReleaseTable = new ReleaseTable(defaultTableJson);
