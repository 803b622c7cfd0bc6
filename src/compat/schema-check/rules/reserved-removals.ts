import type { Finding } from "../finding.js";
import { projectFinding, type PairContext } from "../pair-context.js";
import { isReserved } from "../schema-model.js";

/**
 * Removed fields and enum values must be reserved by number and by name in the newer version, so
 * no later version can give either another meaning.
 */
export function checkReservedRemovals(ctx: PairContext): Finding[] {
  const findings: Finding[] = [];
  const { newer } = ctx;
  for (const [before, after] of ctx.messages) {
    const at = { model: newer, file: after.file, ...(after.line === undefined ? {} : { line: after.line }), symbol: after.fullName };
    for (const field of before.fields) {
      if (after.fields.some((f) => f.number === field.number)) continue;
      const renumbered = after.fields.find((f) => f.name === field.name);
      if (!isReserved(after.reservedRanges, field.number)) {
        findings.push(
          projectFinding(
            "FIELD_REMOVED_NUMBER_NOT_RESERVED",
            ctx,
            { ...at, field: field.name },
            renumbered === undefined
              ? `field ${field.number} "${field.name}" was removed without reserving its number; add \`reserved ${field.number};\``
              : `field "${field.name}" moved from number ${field.number} to ${renumbered.number}: peers of the other version cannot read it; ` +
                  `keep the number, or add a new field and reserve ${field.number}`,
          ),
        );
      }
      if (renumbered === undefined && !after.reservedNames.includes(field.name)) {
        findings.push(
          projectFinding(
            "FIELD_REMOVED_NAME_NOT_RESERVED",
            ctx,
            { ...at, field: field.name },
            `field ${field.number} "${field.name}" was removed without reserving its name; add \`reserved "${field.name}";\``,
          ),
        );
      }
    }
  }
  for (const [before, after] of ctx.enums) {
    const at = { model: newer, file: after.file, ...(after.line === undefined ? {} : { line: after.line }), symbol: after.fullName };
    for (const value of before.values) {
      if (!after.values.some((v) => v.number === value.number) && !isReserved(after.reservedRanges, value.number)) {
        findings.push(
          projectFinding(
            "ENUM_VALUE_REMOVED_NUMBER_NOT_RESERVED",
            ctx,
            { ...at, field: value.name },
            `enum value ${value.name} = ${value.number} was removed without reserving its number; add \`reserved ${value.number};\``,
          ),
        );
      }
      if (!after.values.some((v) => v.name === value.name) && !after.reservedNames.includes(value.name)) {
        findings.push(
          projectFinding(
            "ENUM_VALUE_REMOVED_NAME_NOT_RESERVED",
            ctx,
            { ...at, field: value.name },
            `enum value ${value.name} = ${value.number} was removed without reserving its name; add \`reserved "${value.name}";\``,
          ),
        );
      }
    }
  }
  return findings;
}
