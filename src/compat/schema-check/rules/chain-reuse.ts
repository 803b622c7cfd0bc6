import type { Finding } from "../finding.js";
import { describeField, wireCompatible } from "../field-types.js";
import { projectFinding } from "../pair-context.js";
import type { FieldModel, SchemaModel } from "../schema-model.js";

interface Seen<T> {
  readonly item: T;
  readonly index: number;
  readonly model: SchemaModel;
}

/**
 * The transitive rules over the whole chain of versions, oldest first. Adjacent versions are the
 * pair checks' business; these look only at a field or enum value that comes back after a gap
 * (absent in at least one version in between, e.g. because its message was removed) and differs
 * from what it was last time: the reuse that per-pair checks cannot see.
 */
export function checkChainReuse(models: readonly SchemaModel[]): Finding[] {
  const findings: Finding[] = [];
  const byNumber = new Map<string, Seen<FieldModel>>();
  const byName = new Map<string, Seen<FieldModel>>();
  const enumByNumber = new Map<string, Seen<string>>();
  const enumByName = new Map<string, Seen<number>>();

  models.forEach((model, index) => {
    const local = (name: string): string => withoutOwnPackage(name, model);
    for (const message of model.messages.values()) {
      const rel = local(message.fullName);
      for (const raw of message.fields) {
        const field = raw.kind === "message" || raw.kind === "enum" ? { ...raw, type: local(raw.type) } : raw;
        const line = raw.line ?? message.line;
        const at = { model, file: message.file, ...(line === undefined ? {} : { line }), symbol: message.fullName, field: raw.name };
        const numberKey = `${rel}#${field.number}`;
        const prev = byNumber.get(numberKey);
        if (prev !== undefined && prev.index < index - 1 && (prev.item.name !== field.name || !wireCompatible(prev.item, field))) {
          findings.push(
            projectFinding(
              "CHAIN_FIELD_NUMBER_REUSED",
              { older: prev.model, newer: model },
              at,
              `${message.fullName} field ${field.number} was \`${describeField(prev.item)}\` in ${prev.model.label}, ` +
                `disappeared, and is back in ${model.label} as \`${describeField(field)}\`: data written by ${prev.model.label} ` +
                `would be misread. Field numbers are never reused; pick a new number`,
              "chain",
            ),
          );
        }
        const nameKey = `${rel}#${field.name}`;
        const prevName = byName.get(nameKey);
        if (prevName !== undefined && prevName.index < index - 1 && prevName.item.number !== field.number) {
          findings.push(
            projectFinding(
              "CHAIN_FIELD_NAME_REUSED",
              { older: prevName.model, newer: model },
              at,
              `${message.fullName}.${field.name} was field ${prevName.item.number} in ${prevName.model.label} and is field ` +
                `${field.number} in ${model.label}: JSON readers of ${prevName.model.label} would misread it. Pick a new name`,
              "chain",
            ),
          );
        }
        byNumber.set(numberKey, { item: field, index, model });
        byName.set(nameKey, { item: field, index, model });
      }
    }
    for (const e of model.enums.values()) {
      const rel = local(e.fullName);
      for (const value of e.values) {
        const at = { model, file: e.file, ...(value.line !== undefined ? { line: value.line } : {}), symbol: e.fullName, field: value.name };
        const prev = enumByNumber.get(`${rel}#${value.number}`);
        const prevName = enumByName.get(`${rel}#${value.name}`);
        const reusedNumber = prev !== undefined && prev.index < index - 1 && prev.item !== value.name;
        const reusedName = prevName !== undefined && prevName.index < index - 1 && prevName.item !== value.number;
        if (reusedNumber || reusedName) {
          const was = reusedNumber ? `${prev!.item} = ${value.number} in ${prev!.model.label}` : `${value.name} = ${prevName!.item} in ${prevName!.model.label}`;
          findings.push(
            projectFinding(
              "CHAIN_ENUM_VALUE_REUSED",
              { older: (reusedNumber ? prev : prevName)!.model, newer: model },
              at,
              `${e.fullName} value ${value.name} = ${value.number} in ${model.label} reuses ${was} after a gap; readers of the older version would misread it`,
              "chain",
            ),
          );
        }
        enumByNumber.set(`${rel}#${value.number}`, { item: value.name, index, model });
        enumByName.set(`${rel}#${value.name}`, { item: value.number, index, model });
      }
    }
  });
  return findings;
}

/** Names relative to the version's own package, so a chain stays comparable if a package ever moved. */
function withoutOwnPackage(name: string, model: SchemaModel): string {
  const pkg = [...model.packages].sort((a, b) => b.length - a.length).find((p) => p !== "" && name.startsWith(`${p}.`));
  return pkg === undefined ? name : name.slice(pkg.length + 1);
}
