import protobuf from "protobufjs/light.js";
import { checkCount } from "./field-checks.js";
import { MAX_FEATURES, MAX_PIECES } from "./limits.js";
import { skipGroup, skipVarint, varint } from "./wire-scan.js";

/** The repeated fields with a cap, by message and field, with their fewest entries (for the error). */
const CAPS: Readonly<Record<string, Readonly<Record<string, { readonly min: number; readonly max: number }>>>> = Object.freeze({
  FileReference: { pieces: { min: 1, max: MAX_PIECES } },
  Capabilities: { features: { min: 0, max: MAX_FEATURES } },
});

/**
 * Refuses (E_WIRE_INVALID_FIELD, as the codecs' own count does) bytes whose capped lists hold more
 * entries than their cap, before protobufjs decodes them: it builds every entry first (75,000
 * pieces or features fit in 150 KiB) and a codec can only count them afterwards. Entries are
 * counted as protobufjs keeps them: every occurrence with the field's wire type, summed over the
 * occurrences of the message holding them (protobufjs merges a repeated message field). Malformed
 * bytes end the count where they start: the decode names that error.
 */
export function checkListCaps(type: protobuf.Type, bytes: Uint8Array): void {
  if (!holdsCaps(type)) return;
  const counts = new Map<string, number>();
  walk(type, bytes, { pos: 0 }, bytes.length, counts);
  for (const [key, count] of counts) {
    const [message, field] = key.split(".") as [string, string];
    const cap = CAPS[message]?.[field];
    if (cap !== undefined && count > cap.max) checkCount(count, cap.min, cap.max, message, field);
  }
}

const holding = new WeakMap<protobuf.Type, boolean>();

/** Whether `type` or a message field of it (at any depth) has a capped list; asked once per type. */
function holdsCaps(type: protobuf.Type, seen = new Set<protobuf.Type>()): boolean {
  let answer = holding.get(type);
  if (answer === undefined) {
    seen.add(type);
    answer =
      Object.hasOwn(CAPS, type.name) ||
      type.fieldsArray.some((f) => f.resolvedType instanceof protobuf.Type && !seen.has(f.resolvedType) && holdsCaps(f.resolvedType, seen));
    holding.set(type, answer);
  }
  return answer;
}

/** Counts capped entries in `bytes[state.pos, end)` read as `type`; false when the bytes are malformed. */
function walk(type: protobuf.Type, bytes: Uint8Array, state: { pos: number }, end: number, counts: Map<string, number>): boolean {
  const caps = CAPS[type.name];
  while (state.pos < end) {
    const tag = varint(bytes, end, state);
    if (tag < 0) return false;
    const field = type.fieldsById[Math.floor(tag / 8)];
    switch (tag % 8) {
      case 0:
        if (!skipVarint(bytes, end, state)) return false;
        break;
      case 1:
        state.pos += 8;
        break;
      case 2: {
        const length = varint(bytes, end, state);
        if (length < 0 || length > end - state.pos) return false;
        const fieldEnd = state.pos + length;
        if (field !== undefined) {
          if (caps !== undefined && Object.hasOwn(caps, field.name) && field.repeated) {
            const key = `${type.name}.${field.name}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          const nested = field.resolvedType;
          if (nested instanceof protobuf.Type && holdsCaps(nested) && !walk(nested, bytes, state, fieldEnd, counts)) return false;
        }
        state.pos = fieldEnd;
        break;
      }
      case 3:
        // protobufjs keeps a group as one unknown field and reads on: so must the count, or a
        // group ahead of the flood would hide it.
        if (!skipGroup(bytes, end, state, Math.floor(tag / 8))) return false;
        break;
      case 5:
        state.pos += 4;
        break;
      default:
        // Invalid wire types: the decode refuses the message.
        return false;
    }
  }
  return true;
}
