import protobuf from "protobufjs/light.js";
import { ASCII_FIELDS } from "./ascii-fields.js";
import { SCHEMAS } from "./gen/schema/index.js";

/** Every version folder keeps this package (see proto/status/storage/v1/envelope.proto). */
const PACKAGE = "status.storage";

/** The messages of the protocol, by short name. */
export type MessageName =
  | "Envelope"
  | "Capabilities"
  | "SignedCommunityDescription"
  | "Segment"
  | "InlineAttachment"
  | "FileReference"
  | "Encryption"
  | "Piece"
  | "CommunityDescriptionPointer";

/** One protocol version's schema, loaded from the generated reflection JSON. */
export interface VersionSchema {
  readonly version: number;
  /** The message type, or undefined when this version does not have it. */
  type(name: MessageName): protobuf.Type | undefined;
  /** Whether this version's message `name` has field `field` (camelCase). */
  hasField(name: MessageName, field: string): boolean;
  /** The numeric value of enum `enumName`'s value `valueName` in this version, or undefined. */
  enumValue(enumName: string, valueName: string): number | undefined;
}

const versions = Object.keys(SCHEMAS)
  .map(Number)
  .sort((a, b) => a - b);

/** Protocol versions this build has a schema for, ascending. */
export const SCHEMA_VERSIONS: readonly number[] = Object.freeze(versions);
export const OLDEST_SCHEMA_VERSION = versions[0] as number;
export const NEWEST_SCHEMA_VERSION = versions[versions.length - 1] as number;

const loaded = new Map<number, VersionSchema>();

function load(version: number): VersionSchema {
  const json = SCHEMAS[version] as protobuf.INamespace;
  const root = protobuf.Root.fromJSON(json);
  for (const [message, names] of Object.entries(ASCII_FIELDS)) {
    const type = root.lookup(`${PACKAGE}.${message}`);
    if (!(type instanceof protobuf.Type)) continue;
    for (const name of names) {
      const field = type.fields[name];
      if (field !== undefined && field.type === "string") field.type = "bytes";
    }
  }
  root.resolveAll();
  const types = new Map<string, protobuf.Type>();
  const fields = new Map<string, ReadonlySet<string>>();
  const pkg = root.lookup(PACKAGE);
  if (pkg instanceof protobuf.Namespace) {
    for (const nested of pkg.nestedArray) {
      if (nested instanceof protobuf.Type) {
        types.set(nested.name, nested);
        fields.set(nested.name, new Set(nested.fieldsArray.map((f) => f.name)));
      }
    }
  }
  return Object.freeze({
    version,
    type: (name: MessageName) => types.get(name),
    hasField: (name: MessageName, field: string) => fields.get(name)?.has(field) === true,
    enumValue(enumName: string, valueName: string): number | undefined {
      const e = root.lookup(`${PACKAGE}.${enumName}`);
      return e instanceof protobuf.Enum ? e.values[valueName] : undefined;
    },
  });
}

/** The schema of `version`, or undefined when this build has none for it. */
export function schemaFor(version: number): VersionSchema | undefined {
  let schema = loaded.get(version);
  if (schema === undefined && Object.hasOwn(SCHEMAS, version)) {
    schema = load(version);
    loaded.set(version, schema);
  }
  return schema;
}
