import { resolve } from "node:path";
import type { CliIo, Command } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { parseCommandArgs } from "../args.js";
import { CliError } from "../usage-error.js";
import { pathOption } from "../path-option.js";
import { commandLogger } from "../command-logger.js";
import { interruptedStatus, watchInterrupts } from "../interrupts.js";
import {
  checkSchemaChain,
  checkSchemaPair,
  displayPath,
  listVersionDirs,
  projectProtoRoot,
  renderSchemaReportText,
  requireContiguous,
  SchemaCheckError,
  versionDir,
  type SchemaCheckOptions,
  type SchemaCheckReport,
} from "../../compat/index.js";
import { SCHEMA_CHECK_USAGE } from "./schema-check-usage.js";

const NAME = "schema check";

/** `status-compat schema check`: buf breaking (WIRE, WIRE_JSON) plus the project's own rules. */
export const schemaCheckCommand: Command = {
  path: ["schema", "check"],
  usage: SCHEMA_CHECK_USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(NAME, args, {
      old: { type: "string" },
      new: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      all: { type: "boolean" },
      root: { type: "string" },
      json: { type: "boolean" },
      strict: { type: "boolean" },
      buf: { type: "string" },
    });
    const dirMode = values.old !== undefined || values.new !== undefined;
    const rangeMode = values.from !== undefined || values.to !== undefined;
    const allMode = values.all === true;
    if (Number(dirMode) + Number(rangeMode) + Number(allMode) !== 1) {
      throw new CliError("E_USAGE", `${NAME}: choose one of --old/--new, --from/--to or --all (see --help)`);
    }
    if (dirMode && values.root !== undefined) throw new CliError("E_USAGE", `${NAME}: --root goes with --from/--to or --all`);
    // Half a range read as an empty version ('--to takes a protocol version, got ""').
    if (rangeMode && (values.from === undefined || values.to === undefined)) {
      throw new CliError("E_USAGE", `${NAME}: --from and --to go together; ${values.from === undefined ? "--from" : "--to"} is missing (see --help)`);
    }

    const binary = values.buf ?? io.env["STATUS_COMPAT_BUF"];
    // Ctrl-C, SIGTERM (a cancelled CI job) or a hangup stops buf too: left to the signal's default,
    // the process died alone and buf, its child, ran on orphaned (up to its 60 s timeout, per pair).
    const interrupts = watchInterrupts();
    const options: SchemaCheckOptions = {
      buf: binary === undefined || binary === "" ? {} : { binary: values.buf === undefined ? resolve(io.cwd, binary) : pathOption(NAME, "buf", binary, io) },
      logger: commandLogger(io, "status-compat schema check"),
      signal: interrupts.signal,
    };
    let report: SchemaCheckReport;
    try {
      report = await runChecks(values, options, io, { dirMode, rangeMode });
    } catch (error) {
      const signal = interrupts.received();
      if (signal === undefined) throw error;
      io.stderr.write(`status-compat ${NAME}: interrupted (${signal}); buf was stopped, nothing was checked\n`);
      return interruptedStatus(signal);
    } finally {
      interrupts.dispose();
    }
    if (values.json === true) io.stdout.write(JSON.stringify(forDisplay(report, io.cwd), null, 2) + "\n");
    else io.stdout.write(renderSchemaReportText(report, io.cwd));
    const failed = !report.ok || (values.strict === true && report.counts.warnings > 0);
    return failed ? EXIT.CHECK_FAILED : EXIT.OK;
  },
};

/** The check the flags ask for: two folders, a range of the project's versions, or all of them. */
async function runChecks(
  values: { old?: string | undefined; new?: string | undefined; from?: string | undefined; to?: string | undefined; root?: string | undefined },
  options: SchemaCheckOptions,
  io: CliIo,
  mode: { dirMode: boolean; rangeMode: boolean },
): Promise<SchemaCheckReport> {
  const { dirMode, rangeMode } = mode;
  let report: SchemaCheckReport;
  // A check that cannot run (usage, bad folder, buf missing or failing) exits 2 through its code, never 1.
  if (dirMode) {
    if (values.old === undefined || values.new === undefined) {
      throw new CliError("E_USAGE", `${NAME}: --old and --new go together (see --help)`);
    }
    report = await checkSchemaPair(
      { dir: pathOption(NAME, "old", values.old, io), label: "old" },
      { dir: pathOption(NAME, "new", values.new, io), label: "new" },
      options,
    );
  } else {
    const root = values.root === undefined ? projectProtoRoot() : pathOption(NAME, "root", values.root, io);
    let versions = listVersionDirs(root);
    if (rangeMode) {
      const from = versionNumber("from", values.from);
      const to = versionNumber("to", values.to);
      if (to <= from) throw new CliError("E_USAGE", `${NAME}: --to (${to}) must be newer than --from (${from})`);
      versionDir(root, from);
      versionDir(root, to);
      versions = versions.filter((v) => v.version >= from && v.version <= to);
    }
    if (versions.length < 2) {
      throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `${root} has only ${versions.map((v) => v.label).join(", ")}; nothing to compare`);
    }
    requireContiguous(versions, root);
    const inputs = versions.map((v) => ({ dir: v.dir, label: v.label }));
    report = inputs.length === 2 ? await checkSchemaPair(inputs[0]!, inputs[1]!, options) : await checkSchemaChain(inputs, options);
  }
  return report;
}

function versionNumber(flag: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1) {
    throw new CliError("E_USAGE", `${NAME}: --${flag} takes a protocol version (1, 2, …), got "${raw ?? ""}"`);
  }
  return n;
}

/** Paths relative to where the user ran the command, so CI logs and annotations stay portable. */
function forDisplay(report: SchemaCheckReport, cwd: string): SchemaCheckReport {
  return {
    ...report,
    pairs: report.pairs.map((p) => ({
      ...p,
      old: { ...p.old, dir: displayPath(p.old.dir, cwd) },
      new: { ...p.new, dir: displayPath(p.new.dir, cwd) },
    })),
    findings: report.findings.map((f) => ({ ...f, file: displayPath(f.file, cwd) })),
  };
}
