import protobuf from "protobufjs/light.js";
import { skipGroup, skipVarint, varint } from "./wire-scan.js";

/**
 * How many fields of `bytes` protobufjs would keep as unknown when decoding them as `type` with
 * `discardUnknown = false`, over every depth, counted without allocating; the count stops at
 * `stopAt + 1`. A field is unknown when `type` lacks its number or expects another wire type (as
 * protobufjs decides). Malformed bytes end the count where they start: the decode names that error.
 */
export function countUnknownFields(type: protobuf.Type, bytes: Uint8Array, stopAt: number): number {
  const state = { pos: 0, count: 0 };
  walk(type, bytes, bytes.length, state, stopAt);
  return state.count;
}

interface WalkState {
  pos: number;
  count: number;
}

/** The wire types protobufjs reads `field` from; anything else makes it an unknown field. */
function readsWireType(field: protobuf.Field, wireType: number): boolean {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return wireType === 2;
  const expected = resolved instanceof protobuf.Enum ? 0 : (protobuf.types.basic as Record<string, number>)[field.type];
  if (wireType === expected) return true;
  // A repeated scalar is read packed too.
  return field.repeated && wireType === 2 && (resolved instanceof protobuf.Enum || field.type in protobuf.types.packed);
}

function walk(type: protobuf.Type, bytes: Uint8Array, end: number, state: WalkState, stopAt: number): void {
  while (state.pos < end && state.count <= stopAt) {
    const tag = varint(bytes, end, state);
    if (tag < 0) return;
    const wireType = tag % 8;
    const field = type.fieldsById[Math.floor(tag / 8)];
    const known = field !== undefined && readsWireType(field, wireType);
    if (!known) state.count++;
    switch (wireType) {
      case 0:
        if (!skipVarint(bytes, end, state)) return;
        break;
      case 1:
        state.pos += 8;
        break;
      case 2: {
        const length = varint(bytes, end, state);
        if (length < 0 || length > end - state.pos) return;
        const fieldEnd = state.pos + length;
        const nested = known ? field.resolvedType : null;
        if (nested instanceof protobuf.Type) walk(nested, bytes, fieldEnd, state, stopAt);
        state.pos = fieldEnd;
        break;
      }
      case 3:
        // protobufjs keeps a whole group as one unknown field and reads on after it, so the count
        // must too: stopping here would let every field after a group past the cap.
        if (!skipGroup(bytes, end, state, Math.floor(tag / 8))) return;
        break;
      case 5:
        state.pos += 4;
        break;
      default:
        // Invalid wire types: counted once, the rest left to the decode (which refuses them).
        return;
    }
  }
}
