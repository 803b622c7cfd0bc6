import type { Finding } from "../finding.js";
import { describeField, wireCompatible } from "../field-types.js";
import { projectFinding, type PairContext } from "../pair-context.js";
import type { FieldModel, MessageModel, SchemaModel } from "../schema-model.js";

/**
 * `@required` fields, both ways. A newer reader must only require what the older writer has; an
 * older reader's required fields must stay in the newer writer. Messages new in the newer version
 * are exempt: no older writer produces them.
 */
export function checkRequiredFields(ctx: PairContext): Finding[] {
  const findings: Finding[] = [];
  const { older, newer } = ctx;
  for (const [before, after] of ctx.messages) {
    for (const field of after.fields) {
      if (!field.required) continue;
      const counterpart = before.fields.find((f) => f.number === field.number);
      const at = target(newer, after, field);
      if (counterpart === undefined || !sameField(counterpart, field, ctx)) {
        const had = counterpart === undefined ? `has no field ${field.number}` : `has \`${describeField(counterpart)}\``;
        findings.push(
          projectFinding(
            "REQUIRED_FIELD_MISSING_IN_OLDER_WRITER",
            ctx,
            at,
            `${newer.label} readers require ${after.fullName}.${field.name} (\`${describeField(field)}\`) but ${older.label} ${had}: ` +
              `${newer.label} would reject every ${shortName(after)} ${older.label} writes. Read it as optional with a fallback ` +
              `until ${older.label} leaves the window`,
          ),
        );
      } else if (!counterpart.required) {
        findings.push(
          projectFinding(
            "REQUIRED_FIELD_OPTIONAL_IN_OLDER_WRITER",
            ctx,
            at,
            `${newer.label} readers require ${after.fullName}.${field.name}, which ${older.label} does not mark @required: ` +
              `${older.label} writers may leave it unset and ${newer.label} would reject their ${shortName(after)}`,
          ),
        );
      }
    }
    for (const field of before.fields) {
      if (!field.required) continue;
      const counterpart = after.fields.find((f) => f.number === field.number);
      if (counterpart === undefined || !sameField(field, counterpart, ctx)) {
        const has = counterpart === undefined ? `has no field ${field.number}` : `has \`${describeField(counterpart)}\``;
        findings.push(
          projectFinding(
            "REQUIRED_FIELD_DROPPED_FOR_OLDER_READER",
            ctx,
            counterpart === undefined ? target(newer, after) : target(newer, after, counterpart),
            `${older.label} readers require ${before.fullName}.${field.name} (\`${describeField(field)}\`) but ${newer.label} ${has}: ` +
              `${older.label} would reject every ${shortName(after)} ${newer.label} writes. Keep writing it until ${older.label} leaves the window`,
          ),
        );
      } else if (!counterpart.required) {
        findings.push(
          projectFinding(
            "REQUIRED_FIELD_RELAXED_IN_NEWER",
            ctx,
            target(newer, after, counterpart),
            `${older.label} readers require ${before.fullName}.${field.name}, no longer @required in ${newer.label}: ` +
              `${newer.label} writers must keep setting it while ${older.label} is in the window`,
          ),
        );
      }
    }
  }
  return findings;
}

function sameField(older: FieldModel, newer: FieldModel, ctx: PairContext): boolean {
  return older.name === newer.name && wireCompatible(older, newer, ctx.renameType);
}

function shortName(m: MessageModel): string {
  return m.fullName.slice(m.fullName.lastIndexOf(".") + 1);
}

function target(model: SchemaModel, message: MessageModel, field?: FieldModel) {
  const line = field?.line ?? message.line;
  return {
    model,
    file: message.file,
    ...(line === undefined ? {} : { line }),
    symbol: message.fullName,
    ...(field === undefined ? {} : { field: field.name }),
  };
}
