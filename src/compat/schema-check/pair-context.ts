import { join } from "node:path";
import type { Finding } from "./finding.js";
import { SCHEMA_RULES, type ProjectRuleId } from "./rules/catalog.js";
import type { EnumModel, MessageModel, SchemaModel } from "./schema-model.js";

/**
 * Two versions side by side, with messages and enums paired by full name. When each side has a
 * single package and they differ (itself a PACKAGE_CHANGED error), names are paired across the
 * rename so the other rules still compare what buf could not.
 */
export interface PairContext {
  readonly older: SchemaModel;
  readonly newer: SchemaModel;
  /** An older full name as the newer version would spell it. */
  readonly renameType: (olderName: string) => string;
  readonly messages: ReadonlyArray<readonly [MessageModel, MessageModel]>;
  readonly removedMessages: readonly MessageModel[];
  readonly enums: ReadonlyArray<readonly [EnumModel, EnumModel]>;
  readonly packageChanged: boolean;
}

export function pairSchemas(older: SchemaModel, newer: SchemaModel): PairContext {
  const samePackages = older.packages.length === newer.packages.length && older.packages.every((p, i) => p === newer.packages[i]);
  const from = older.packages.length === 1 ? older.packages[0] : undefined;
  const to = newer.packages.length === 1 ? newer.packages[0] : undefined;
  const renameType =
    samePackages || from === undefined || to === undefined
      ? (name: string): string => name
      : (name: string): string => {
          if (from === "") return `${to}.${name}`;
          if (!name.startsWith(`${from}.`)) return name;
          return to === "" ? name.slice(from.length + 1) : `${to}${name.slice(from.length)}`;
        };

  const messages: Array<readonly [MessageModel, MessageModel]> = [];
  const removedMessages: MessageModel[] = [];
  for (const [name, message] of older.messages) {
    const counterpart = newer.messages.get(renameType(name));
    if (counterpart === undefined) removedMessages.push(message);
    else messages.push([message, counterpart]);
  }
  const enums: Array<readonly [EnumModel, EnumModel]> = [];
  for (const [name, e] of older.enums) {
    const counterpart = newer.enums.get(renameType(name));
    if (counterpart !== undefined) enums.push([e, counterpart]);
  }
  return { older, newer, renameType, messages, removedMessages, enums, packageChanged: !samePackages };
}

export interface FindingTarget {
  readonly model: SchemaModel;
  readonly file: string;
  readonly line?: number;
  readonly symbol?: string;
  readonly field?: string;
}

/** A project finding between two versions, severity from the rule catalog. */
export function projectFinding(
  rule: ProjectRuleId,
  between: { older: SchemaModel; newer: SchemaModel },
  target: FindingTarget,
  message: string,
  scope: "pair" | "chain" = "pair",
): Finding {
  return {
    rule,
    source: "project",
    severity: SCHEMA_RULES[rule].severity,
    between: { old: between.older.label, new: between.newer.label },
    scope,
    file: join(target.model.dir, target.file),
    ...(target.line === undefined ? {} : { line: target.line }),
    ...(target.symbol === undefined ? {} : { symbol: target.symbol }),
    ...(target.field === undefined ? {} : { field: target.field }),
    message,
  };
}
