import { assertKnownOptions, describedValue } from "../errors/index.js";
import { ReleaseTable } from "../versions/index.js";

/** What `outsiders` may be; anything else is refused, never read as the default. */
const OUTSIDER_POLICIES: readonly string[] = Object.freeze(["reject", "fallback"]);

/** At most this many keys of a wrong object are named in an error. */
const KEYS_NAMED = 5;

/**
 * The options object of a negotiate entry point (`entry` names it in errors), `{}` for none, its
 * shared options (`outsiders`, `table`) checked. Options come from an app's settings file as often
 * as from code, where TypeScript checks nothing: a misspelt value (`outsiders: "fallbak"`) or key
 * (`outsider: "fallback"`) was read as the default ("reject": one stale member stopped a whole
 * community's messages), and a table that is not a ReleaseTable failed deep inside with a plain
 * TypeError, or not at all when no payload was named. Refused here, where the mistake is made.
 */
export function checkedOptions<T extends object>(entry: string, options: T | null | undefined, known: readonly string[]): T {
  // A JavaScript caller's null means no options, as undefined does.
  if (options === undefined || options === null) return {} as T;
  assertKnownOptions(entry, options, known);
  const { outsiders, table } = options as { outsiders?: unknown; table?: unknown };
  if (outsiders !== undefined && !(typeof outsiders === "string" && OUTSIDER_POLICIES.includes(outsiders))) {
    throw new RangeError(
      `${entry} option outsiders must be ${OUTSIDER_POLICIES.map((p) => JSON.stringify(p)).join(" or ")} (left out: "reject"), not ${shown(outsiders)}`,
    );
  }
  if (table !== undefined) checkTable(entry, table, "option table");
  return options;
}

/** A TypeError naming `entry` and what to pass when `table` is not a ReleaseTable. */
export function checkTable(entry: string, table: unknown, what: string): asserts table is ReleaseTable {
  if (!(table instanceof ReleaseTable)) {
    throw new TypeError(
      `${entry} ${what} must be a ReleaseTable (new ReleaseTable(json), which validates the table's JSON), ` +
        `or left out for the built-in table; not ${shown(table)}`,
    );
  }
}

/** A caller's value for an error message: an object by its keys (never their contents, which a table's JSON would spill), anything else as describedValue says it. */
function shown(value: unknown): string {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) return describedValue(value);
  const keys = Object.keys(value);
  if (keys.length === 0) return "an object with no keys";
  const named = keys.slice(0, KEYS_NAMED).join(", ");
  return `an object with keys ${named}${keys.length > KEYS_NAMED ? ", ..." : ""}`;
}
