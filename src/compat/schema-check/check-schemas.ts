import { basename, join } from "node:path";
import type { Logger } from "../../obs/index.js";
import { silentLogger } from "../../obs/index.js";
import { resolveBufBinary } from "./buf-binary.js";
import type { ComparedPair, Finding, SchemaCheckReport } from "./finding.js";
import { loadSchema } from "./load-schema.js";
import { pairSchemas } from "./pair-context.js";
import { checkChainReuse } from "./rules/chain-reuse.js";
import { checkFieldChanges } from "./rules/field-changes.js";
import { checkPackageUnchanged } from "./rules/package-unchanged.js";
import { checkRequiredFields } from "./rules/required-fields.js";
import { checkReservedRemovals } from "./rules/reserved-removals.js";
import { checkRootMessages } from "./rules/root-messages.js";
import { runBufBreaking, type BufViolation } from "./run-buf-breaking.js";
import { SchemaCheckError } from "./schema-check-error.js";
import type { SchemaModel } from "./schema-model.js";
import { assertKnownOptions, keysOf } from "../../errors/index.js";

export interface SchemaVersionInput {
  readonly dir: string;
  /** How findings name this version; defaults to the folder's name. */
  readonly label?: string;
}

export interface SchemaCheckOptions {
  /** buf settings, or `false` to run only the project's rules (then FIELD_TYPE_CHANGED stands in for buf). */
  readonly buf?: false | { readonly binary?: string; readonly timeoutMs?: number };
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** The keys SchemaCheckOptions has (the compiler holds the two together); checkSchemaChain refuses any other. */
const SCHEMA_CHECK_OPTIONS = keysOf<SchemaCheckOptions>()({ buf: true, signal: true, logger: true });

/** Static checks of `newer` against `older`: buf breaking (WIRE, WIRE_JSON) plus the project's rules. */
export async function checkSchemaPair(
  older: SchemaVersionInput,
  newer: SchemaVersionInput,
  options: SchemaCheckOptions = {},
): Promise<SchemaCheckReport> {
  const models = [load(older), load(newer)] as const;
  const binary = bufBinary(options);
  const { pair, findings } = await comparePair(models[0], models[1], binary, options);
  return report([pair], findings);
}

/**
 * Every adjacent pair of `versions` (oldest first), then the transitive chain rules across all of
 * them: what per-pair checks cannot see, such as a field number that returns with another type
 * after its message was dropped and restored.
 */
export async function checkSchemaChain(versions: readonly SchemaVersionInput[], options: SchemaCheckOptions = {}): Promise<SchemaCheckReport> {
  assertKnownOptions("checkSchemaChain", options, SCHEMA_CHECK_OPTIONS);
  if (versions.length < 2) {
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `a chain needs at least two versions, got ${versions.length}`, {
      details: { versions: versions.map((v) => v.dir) },
    });
  }
  const models = versions.map(load);
  const binary = bufBinary(options);
  const pairs: ComparedPair[] = [];
  const findings: Finding[] = [];
  for (let i = 1; i < models.length; i++) {
    const result = await comparePair(models[i - 1]!, models[i]!, binary, options);
    pairs.push(result.pair);
    findings.push(...result.findings);
  }
  findings.push(...checkChainReuse(models));
  return report(pairs, findings, models.map((m) => m.label));
}

function load(input: SchemaVersionInput): SchemaModel {
  return loadSchema(input.dir, input.label ?? basename(input.dir));
}

function bufBinary(options: SchemaCheckOptions): string | undefined {
  if (options.buf === false) return undefined;
  return resolveBufBinary(options.buf?.binary === undefined ? {} : { explicit: options.buf.binary });
}

async function comparePair(
  older: SchemaModel,
  newer: SchemaModel,
  binary: string | undefined,
  options: SchemaCheckOptions,
): Promise<{ pair: ComparedPair; findings: Finding[] }> {
  const logger = options.logger ?? silentLogger();
  const ctx = pairSchemas(older, newer);
  const bufCompared = binary !== undefined && !ctx.packageChanged;
  const findings: Finding[] = [
    ...checkPackageUnchanged(ctx),
    ...checkReservedRemovals(ctx),
    ...checkRequiredFields(ctx),
    ...checkRootMessages(ctx),
    ...checkFieldChanges(ctx, bufCompared),
  ];
  if (binary !== undefined) {
    const started = performance.now();
    const violations = await runBufBreaking(older.dir, newer.dir, {
      binary,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.buf !== false && options.buf?.timeoutMs !== undefined ? { timeoutMs: options.buf.timeoutMs } : {}),
    });
    logger.debug({ older: older.label, newer: newer.label, findings: violations.length, ms: Math.round(performance.now() - started) }, "buf breaking");
    findings.push(...violations.map((v) => bufFinding(v, older, newer)));
  }
  const pair: ComparedPair = {
    old: { label: older.label, dir: older.dir },
    new: { label: newer.label, dir: newer.dir },
    buf: binary === undefined ? "skipped" : "ran",
  };
  return { pair, findings };
}

/** buf's text names the field (`with name "x"`) even when its position is the enclosing message. */
const NAMED_IN_MESSAGE = /with name "([^"]+)"/;

function bufFinding(v: BufViolation, older: SchemaModel, newer: SchemaModel): Finding {
  const declared = newer.declarationsAt.get(`${v.path}:${v.line}`);
  const field = NAMED_IN_MESSAGE.exec(v.message)?.[1] ?? declared?.field;
  return {
    rule: v.type,
    source: "buf",
    severity: "error",
    between: { old: older.label, new: newer.label },
    scope: "pair",
    file: join(newer.dir, v.path),
    ...(v.line > 0 ? { line: v.line } : {}),
    ...(declared === undefined ? {} : { symbol: declared.symbol }),
    ...(field === undefined ? {} : { field }),
    message: v.message,
  };
}

function report(pairs: ComparedPair[], findings: Finding[], chain?: string[]): SchemaCheckReport {
  const order = new Map(pairs.map((p, i) => [`${p.old.label}\0${p.new.label}`, i]));
  const sorted = [...findings].sort(
    (a, b) =>
      Number(a.scope === "chain") - Number(b.scope === "chain") ||
      (order.get(`${a.between.old}\0${a.between.new}`) ?? 0) - (order.get(`${b.between.old}\0${b.between.new}`) ?? 0) ||
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
  const errors = sorted.filter((f) => f.severity === "error").length;
  return {
    ok: errors === 0,
    pairs,
    ...(chain === undefined ? {} : { chain }),
    findings: sorted,
    counts: { errors, warnings: sorted.length - errors },
  };
}
