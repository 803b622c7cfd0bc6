import protobuf from "protobufjs/light.js";
import { checkCount } from "./field-checks.js";
import { MAX_FEATURES, MAX_PIECES, MAX_REPEATED_FIELDS } from "./limits.js";
import { WireError } from "./wire-error.js";
import { skipGroup, stepOver, varint } from "./wire-scan.js";

/**
 * The one walk over untrusted bytes before protobufjs decodes them. It counts, without allocating,
 * what protobufjs would build: the entries of each capped list (every occurrence with the field's
 * wire type, summed over the occurrences of the message holding them, as protobufjs merges a
 * repeated message field) and, for forwarding, the fields it would keep as unknown (over every
 * depth; a field is unknown when the type lacks its number or expects another wire type, a group
 * is one field), and the occurrences of a known singular field after its first in the same
 * message, which protobufjs decodes one by one (last value wins, a message merges) and no writer
 * of this protocol sends. The first two counts used to be two walks of their own; they are one
 * here, each keeping its own rule for where malformed bytes end it (the decode names that error
 * either way).
 */

/** A repeated field with a cap, with its fewest entries (for the error). */
export interface ListCap {
  readonly message: string;
  readonly field: string;
  readonly min: number;
  readonly max: number;
}

const CAPS: readonly ListCap[] = Object.freeze([
  { message: "FileReference", field: "pieces", min: 1, max: MAX_PIECES },
  { message: "Capabilities", field: "features", min: 0, max: MAX_FEATURES },
]);

/** A capped list over its cap, as the scan found it. */
export interface ListOverCap {
  readonly cap: ListCap;
  readonly count: number;
}

export interface ScanResult {
  /** Unknown fields protobufjs would keep, up to `unknownCap + 1` (0 when not asked for). */
  readonly unknownFields: number;
  /** Known singular fields sent again after their first in the same message, up to `repeatedCap + 1` (0 when not asked for). */
  readonly repeatedFields: number;
  /** The first capped list seen whose entries exceed its cap. */
  readonly overCap: ListOverCap | undefined;
}

interface FieldPlan {
  /** Bit w set when protobufjs reads this field from wire type w (anything else is unknown). */
  readonly wireTypes: number;
  /** The message type of a message field, else undefined. */
  nested: TypePlan | undefined;
  /** Index into CAPS for a capped list of this message, else -1. */
  readonly capIndex: number;
  /** Not repeated: a second occurrence overrides (or merges into) the first. */
  readonly singular: boolean;
}

interface TypePlan {
  /** By field number; a number outside (or a hole) is a field this type lacks. */
  readonly fields: (FieldPlan | undefined)[];
  /** Whether this type or a message field of it (at any depth) has a capped list. */
  holdsCaps: boolean;
}

const plans = new WeakMap<protobuf.Type, TypePlan>();

/** What protobufjs's reflection says about `type`, worked out once per type instead of per field read. */
function planFor(type: protobuf.Type): TypePlan {
  const known = plans.get(type);
  if (known !== undefined) return known;
  const made: TypePlan[] = [];
  const plan = makePlan(type, made);
  // Only once every type it reaches has a plan: types may hold each other.
  for (const p of made) p.holdsCaps = reachesCap(p, new Set());
  return plan;
}

function makePlan(type: protobuf.Type, made: TypePlan[]): TypePlan {
  const known = plans.get(type);
  if (known !== undefined) return known;
  const fields: (FieldPlan | undefined)[] = [];
  const plan: TypePlan = { fields, holdsCaps: false };
  // Stored before its fields are planned, so a type that holds itself ends the recursion.
  plans.set(type, plan);
  made.push(plan);
  for (const field of type.fieldsArray) {
    const resolved = field.resolve().resolvedType;
    const capIndex = CAPS.findIndex((c) => c.message === type.name && c.field === field.name && field.repeated);
    const fieldPlan: FieldPlan = { wireTypes: wireTypesOf(field), nested: undefined, capIndex, singular: !field.repeated && field.map !== true };
    fields[field.id] = fieldPlan;
    if (resolved instanceof protobuf.Type) fieldPlan.nested = makePlan(resolved, made);
  }
  return plan;
}

function reachesCap(plan: TypePlan, seen: Set<TypePlan>): boolean {
  seen.add(plan);
  return plan.fields.some(
    (f) => f !== undefined && (f.capIndex >= 0 || (f.nested !== undefined && !seen.has(f.nested) && reachesCap(f.nested, seen))),
  );
}

/** The wire types protobufjs reads `field` from (a repeated scalar is read packed too). */
function wireTypesOf(field: protobuf.Field): number {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return 1 << 2;
  const isEnum = resolved instanceof protobuf.Enum;
  const basic = isEnum ? 0 : (protobuf.types.basic as Record<string, number | undefined>)[field.type];
  let mask = basic === undefined ? 0 : 1 << basic;
  if (field.repeated && (isEnum || field.type in protobuf.types.packed)) mask |= 1 << 2;
  return mask;
}

interface ScanState {
  pos: number;
  unknown: number;
  /** Unknown fields are counted only when asked; the walk ends once they pass this. */
  readonly unknownCap: number;
  readonly countUnknown: boolean;
  repeated: number;
  /** Repeated singular fields likewise. */
  readonly repeatedCap: number;
  readonly countRepeated: boolean;
  /** False once malformed bytes inside a message holding a capped list ended the list count. */
  capsLive: boolean;
  readonly counts: number[];
  /** CAPS indexes in the order their lists were first seen. */
  readonly seen: number[];
}

/**
 * Scans `bytes` as `type`. With `unknownCap` (forwarding) unknown fields are counted too, and the
 * walk ends once there are more than `unknownCap` of them (that refusal comes first); with
 * `repeatedCap` likewise the occurrences of known singular fields after their first. Without
 * either only messages that can hold a capped list are entered, and a type that holds none is not
 * walked.
 */
export function scanBeforeDecode(type: protobuf.Type, bytes: Uint8Array, unknownCap?: number, repeatedCap?: number): ScanResult {
  const plan = planFor(type);
  const countUnknown = unknownCap !== undefined;
  const countRepeated = repeatedCap !== undefined;
  if (!countUnknown && !countRepeated && !plan.holdsCaps) return { unknownFields: 0, repeatedFields: 0, overCap: undefined };
  const state: ScanState = {
    pos: 0,
    unknown: 0,
    unknownCap: countUnknown ? unknownCap : Number.POSITIVE_INFINITY,
    countUnknown,
    repeated: 0,
    repeatedCap: countRepeated ? repeatedCap : Number.POSITIVE_INFINITY,
    countRepeated,
    capsLive: true,
    counts: CAPS.map(() => 0),
    seen: [],
  };
  walk(plan, bytes, bytes.length, state);
  let overCap: ListOverCap | undefined;
  for (const index of state.seen) {
    const cap = CAPS[index] as ListCap;
    const count = state.counts[index] as number;
    if (count > cap.max) {
      overCap = { cap, count };
      break;
    }
  }
  return { unknownFields: state.unknown, repeatedFields: state.repeated, overCap };
}

/**
 * Walks `bytes[state.pos, end)` read as `plan`'s type; false when the bytes are malformed at this
 * level. Where malformed bytes stop each count is each count's own rule, kept from when they were
 * two walks: the unknown-field count ends only the message they are in and reads on in its parent
 * (the decode refuses the whole anyway), as the repeated-field count does; the list count ends
 * altogether when they are inside a message that can hold a capped list.
 */
function walk(plan: TypePlan, bytes: Uint8Array, end: number, state: ScanState): boolean {
  const fields = plan.fields;
  // The singular fields this occurrence of the message has had: numbers below 31 as bits (every
  // field of this protocol so far), higher ones in a set made only when one comes.
  let seen = 0;
  let seenHigh: Set<number> | undefined;
  while (state.pos < end) {
    if (state.unknown > state.unknownCap || state.repeated > state.repeatedCap) return true;
    const tag = varint(bytes, end, state);
    if (tag < 0) return false;
    const wireType = tag % 8;
    const number = Math.floor(tag / 8);
    const field = number < fields.length ? fields[number] : undefined;
    // A known number with another wire type is an unknown field to protobufjs, never an occurrence.
    const known = field !== undefined && ((field.wireTypes >> wireType) & 1) === 1;
    if (!known) {
      if (state.countUnknown) state.unknown++;
    } else if (state.countRepeated && field.singular) {
      if (number < 31) {
        const bit = 1 << number;
        if ((seen & bit) !== 0) state.repeated++;
        seen |= bit;
      } else {
        seenHigh ??= new Set();
        if (seenHigh.has(number)) state.repeated++;
        seenHigh.add(number);
      }
    }
    if (wireType === 3) {
      // protobufjs keeps a whole group as one unknown field and reads on after it, so both counts
      // must too: stopping here would let every field after a group past either cap.
      if (!skipGroup(bytes, end, state, number)) return false;
      continue;
    }
    // Invalid wire types (and a stray end-group) are -1: the decode refuses the message.
    const valueStart = stepOver(bytes, end, state, wireType);
    if (valueStart < 0) return false;
    if (wireType === 2 && field !== undefined) {
      if (field.capIndex >= 0 && state.capsLive) {
        if (state.counts[field.capIndex] === 0) state.seen.push(field.capIndex);
        (state.counts[field.capIndex] as number)++;
      }
      const nested = field.nested;
      if (nested !== undefined && (state.countUnknown || state.countRepeated || nested.holdsCaps)) {
        const fieldEnd = state.pos;
        state.pos = valueStart;
        if (!walk(nested, bytes, fieldEnd, state) && nested.holdsCaps) {
          state.capsLive = false;
          if (!state.countUnknown && !state.countRepeated) return false;
        }
        state.pos = fieldEnd;
      }
    }
  }
  return true;
}

/**
 * Refuses, before protobufjs builds anything, what it would build too much of: a known singular
 * field sent again more than MAX_REPEATED_FIELDS times (E_WIRE_TOO_LARGE; protobufjs decodes every
 * occurrence, and no writer of this protocol sends one twice); with `maxUnknown` (forwarding, which
 * keeps unknown fields) more unknown and repeated fields together than that (E_WIRE_TOO_LARGE: a
 * field a newer version added is unknown to this one, so a repeated one counts here as unknown,
 * and together the count of a version is never below the next version's); then a capped list
 * over its cap (E_WIRE_INVALID_FIELD, as the codecs' own count says it: 75,000 pieces or features
 * fit in 150 KiB, and protobufjs builds every one before a codec can count them). One walk of the
 * bytes for all three, which ends once a count passes its cap.
 */
export function checkBeforeDecode(type: protobuf.Type, bytes: Uint8Array, what: string, maxUnknown?: number): void {
  const repeatedCap = maxUnknown === undefined ? MAX_REPEATED_FIELDS : Math.min(maxUnknown, MAX_REPEATED_FIELDS);
  const scan = scanBeforeDecode(type, bytes, maxUnknown, repeatedCap);
  const { unknownFields, repeatedFields } = scan;
  if (maxUnknown !== undefined && unknownFields > maxUnknown) {
    throw new WireError("E_WIRE_TOO_LARGE", `${what} holds more than ${maxUnknown} fields this version does not know; it is not kept to forward`, {
      details: { message: what, unknownFields, repeatedFields, cap: maxUnknown },
    });
  }
  if (repeatedFields > repeatedCap || (maxUnknown !== undefined && unknownFields + repeatedFields > maxUnknown)) {
    const cap = maxUnknown ?? repeatedCap;
    const counted = maxUnknown === undefined ? `more than ${cap} times` : `${repeatedFields} times, with ${unknownFields} fields this version does not know, more than the ${cap} kept to forward`;
    throw new WireError(
      "E_WIRE_TOO_LARGE",
      `${what} sends fields it already had again ${counted} (no writer of this protocol sends a field twice); refused before decoding`,
      { details: maxUnknown === undefined ? { message: what, repeatedFields, cap } : { message: what, unknownFields, repeatedFields, cap } },
    );
  }
  const over = scan.overCap;
  if (over !== undefined) checkCount(over.count, over.cap.min, over.cap.max, over.cap.message, over.cap.field);
}
