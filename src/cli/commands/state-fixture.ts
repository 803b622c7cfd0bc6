import { statSync, type Stats } from "node:fs";
import { resolve, sep } from "node:path";
import type { Command } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { parseCommandArgs, requireOption } from "../args.js";
import { CliError } from "../usage-error.js";
import { pathOption } from "../path-option.js";
import { checkWritablePath } from "../writable-path.js";
import { stateFileTarget } from "../state-file-link.js";
import { releaseTable } from "../../versions/index.js";
import { DEFAULT_FIXTURE_SEED, MAX_FIXTURE_SEED, StateError, writeFixture, type FixtureSummary } from "../../state/index.js";
import { commandLogger } from "../command-logger.js";
import { interruptedStatus, watchInterrupts } from "../interrupts.js";
import { STATE_FIXTURE_USAGE } from "./state-fixture-usage.js";

const NAME = "state fixture";

/** What each number flag takes: said whenever a value is not one. */
const TAKES = {
  rows: "a whole number of at least 0 (underscores allowed: 1_000_000)",
  // The generator keeps 32 bits of it: a larger one wrote another seed's data.
  seed: `a whole number from 0 to ${MAX_FIXTURE_SEED} (the generator keeps 32 bits of it)`,
} as const;

function numberRefusal(name: keyof typeof TAKES, raw: string): CliError {
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  return new CliError("E_USAGE", `${NAME}: --${name} takes ${TAKES[name]}, not ${JSON.stringify(shown)}. Nothing was written.`);
}

function count(name: keyof typeof TAKES, raw: string): number {
  const digits = raw.replace(/[_,]/g, "");
  const value = Number(digits);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(value) || (name === "seed" && value > MAX_FIXTURE_SEED)) throw numberRefusal(name, raw);
  return value;
}

/** `status-compat state fixture`: a realistic state database at a release's level. */
export const stateFixtureCommand: Command = {
  path: ["state", "fixture"],
  usage: STATE_FIXTURE_USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(NAME, args, {
      release: { type: "string" },
      rows: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
    });
    const release = releaseTable.resolve(requireOption(NAME, "release", values.release));
    const rows = count("rows", requireOption(NAME, "rows", values.rows));
    const seed = values.seed === undefined ? DEFAULT_FIXTURE_SEED : count("seed", values.seed);
    const given = requireOption(NAME, "out", values.out);
    // A dangling link gets the fixture at the file it names (its name, the link, was taken: the whole
    // fixture was written, then refused); one to a folder or a loop is the user's path.
    const out = stateFileTarget(NAME, "out", pathOption(NAME, "out", given, io), given, "Nothing was written.", "usage-error");
    // A missing folder is the user's path, as for every command's --out; an existing FILE stays the state layer's refusal (exit 4).
    // The path as typed goes too: a trailing slash names a folder, which resolving drops (the database was written as a file of that name).
    // An existing folder is the user's path as well (matrix and file get --out say so): the state layer's
    // "already exists; fixtures never overwrite a file" called it a file and exited 4.
    let there: Stats | undefined;
    try {
      there = statSync(out);
    } catch {
      // Nothing there, or a path through a file (ENOTDIR): checkWritablePath says which.
    }
    if (there === undefined || there.isDirectory() || given.endsWith("/") || given.endsWith(sep)) checkWritablePath(NAME, "out", out, "Nothing was written.", given, "state.sqlite");
    const start = performance.now();
    // Ctrl-C or SIGTERM stops the writer between batches, which removes its FILE.partial-… (up to
    // hundreds of MB) and its lock; dying at once left them until the next run to the same FILE.
    const interrupts = watchInterrupts();
    let summary: FixtureSummary;
    try {
      summary = await writeFixture({ out, level: release.stateLevel, rows, seed, logger: commandLogger(io, "status-compat state fixture"), signal: interrupts.signal });
    } catch (error) {
      const signal = interrupts.received();
      if (signal === undefined || !(error instanceof StateError) || error.code !== "E_STATE_ABORTED") throw error;
      io.stderr.write(`status-compat state fixture: interrupted (${signal}); nothing was written to ${out}\n`);
      return interruptedStatus(signal);
    } finally {
      interrupts.dispose();
    }
    const ms = performance.now() - start;
    if (values.json === true) {
      io.stdout.write(JSON.stringify({ ...summary, release: release.release, ms: Math.round(ms) }, null, 2) + "\n");
    } else {
      io.stdout.write(`wrote ${out}: release ${release.release}, level ${summary.level}, ${rows.toLocaleString("en-US")} rows in ${(ms / 1000).toFixed(2)} s\n`);
      for (const [t, n] of Object.entries(summary.tables)) io.stdout.write(`  ${t.padEnd(40)}${n.toLocaleString("en-US").padStart(12)}\n`);
    }
    return EXIT.OK;
  },
};
