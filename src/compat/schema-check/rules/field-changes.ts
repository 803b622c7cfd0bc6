import type { Finding } from "../finding.js";
import { describeField, signednessChanged, wireCompatible } from "../field-types.js";
import { projectFinding, type PairContext } from "../pair-context.js";
import type { FieldModel, MessageModel, SchemaModel } from "../schema-model.js";

/**
 * Changes to a field kept under the same number that buf lets through (signedness, presence), and,
 * when buf did not compare the pair (`bufCompared` false), the wire-type changes buf would have caught.
 */
export function checkFieldChanges(ctx: PairContext, bufCompared: boolean): Finding[] {
  const findings: Finding[] = [];
  const { older, newer } = ctx;
  for (const [before, after] of ctx.messages) {
    for (const field of after.fields) {
      const was = before.fields.find((f) => f.number === field.number);
      if (was === undefined) continue;
      const at = target(newer, after, field);
      const change = `${after.fullName}.${field.name}: \`${describeField(was)}\` (${older.label}) became \`${describeField(field)}\` (${newer.label})`;
      if (!wireCompatible(was, field, ctx.renameType)) {
        if (!bufCompared) {
          findings.push(projectFinding("FIELD_TYPE_CHANGED", ctx, at, `${change}; the two versions read it differently on the wire`));
        }
        continue;
      }
      if (signednessChanged(was, field)) {
        findings.push(
          projectFinding(
            "FIELD_SIGNEDNESS_CHANGED",
            ctx,
            at,
            `${change}: negative or large values change meaning between the versions (wire and JSON checks pass it). ` +
              `Add a new field instead and reserve ${field.number}`,
          ),
        );
      }
      const scalarLike = field.kind === "scalar" || field.kind === "enum";
      if (scalarLike && field.cardinality === "singular" && was.oneof === undefined && field.oneof === undefined && was.explicitPresence !== field.explicitPresence) {
        findings.push(
          projectFinding(
            "FIELD_PRESENCE_CHANGED",
            ctx,
            at,
            `${after.fullName}.${field.name} ${field.explicitPresence ? "gained" : "lost"} explicit presence (proto3 \`optional\`): ` +
              `a reader testing presence sees "unset" where the other version meant zero`,
          ),
        );
      }
    }
  }
  return findings;
}

function target(model: SchemaModel, message: MessageModel, field: FieldModel) {
  const line = field.line ?? message.line;
  return { model, file: message.file, ...(line === undefined ? {} : { line }), symbol: message.fullName, field: field.name };
}
