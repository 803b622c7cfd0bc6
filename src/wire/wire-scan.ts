/** Steps over protobuf wire bytes without decoding them, as protobufjs reads them: for the counts made before a decode. */

/** A varint at state.pos, or -1 (and state.pos at `end`) when it runs past `end` or past 10 bytes. */
export function varint(bytes: Uint8Array, end: number, state: { pos: number }): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10 && state.pos < end; i++) {
    const b = bytes[state.pos++] as number;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) return value;
  }
  state.pos = end;
  return -1;
}

/**
 * Moves state.pos past a varint value; false when it runs past `end`. protobufjs skips a varint
 * value of any length (a tag or a length it reads as a uint32, at most 10 bytes), so a longer one
 * is one more field, not the end of the count.
 */
export function skipVarint(bytes: Uint8Array, end: number, state: { pos: number }): boolean {
  while (state.pos < end) if ((bytes[state.pos++] as number) < 0x80) return true;
  return false;
}

/**
 * Deeper than protobufjs ever reads a group (its recursion limit 100 counts from 0, so 101 levels
 * at the top of a message): a deeper one fails the decode, so stopping the count there hides nothing.
 */
const MAX_GROUP_DEPTH = 128;

/**
 * Moves state.pos past one value of wire type 0, 1, 2 or 5 (a varint, 8 bytes, a length and its
 * bytes, 4 bytes) and returns where the value's bytes begin (after the length, for wire type 2);
 * -1 when a varint or the length runs past `end`, and for any other wire type (groups: skipGroup).
 * A fixed-width value is not held to `end` (state.pos may pass it): the pre-decode scan leaves
 * that to its loop's bound, which ends the message without calling it malformed, so that its list
 * count goes on in the parent (test/wire/pre-decode-scan-model.property.test.ts); skipValue
 * refuses it. The one switch over wire types for every walk over bytes here.
 */
export function stepOver(bytes: Uint8Array, end: number, state: { pos: number }, wireType: number): number {
  switch (wireType) {
    case 0: {
      const at = state.pos;
      return skipVarint(bytes, end, state) ? at : -1;
    }
    case 1:
      state.pos += 8;
      return state.pos - 8;
    case 2: {
      const length = varint(bytes, end, state);
      if (length < 0 || length > end - state.pos) return -1;
      state.pos += length;
      return state.pos - length;
    }
    case 5:
      state.pos += 4;
      return state.pos - 4;
    default:
      return -1;
  }
}

/**
 * Moves state.pos past one value of wire type 0, 1, 2 or 5; false when it runs past `end` (a
 * fixed-width one included) or for any other wire type (groups: skipGroup).
 */
export function skipValue(bytes: Uint8Array, end: number, state: { pos: number }, wireType: number): boolean {
  return stepOver(bytes, end, state, wireType) >= 0 && state.pos <= end;
}

/**
 * Moves state.pos past the group whose start tag (field `field`) was just read, as protobufjs's
 * skipType does; false when the group is malformed, truncated or too deep (the decode refuses it).
 */
export function skipGroup(bytes: Uint8Array, end: number, state: { pos: number }, field: number): boolean {
  const open = [field];
  while (open.length > 0) {
    const tag = varint(bytes, end, state);
    if (tag < 0) return false;
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 3) {
      if (open.length >= MAX_GROUP_DEPTH) return false;
      open.push(number);
    } else if (wireType === 4) {
      if (open.pop() !== number) return false;
    } else if (!skipValue(bytes, end, state, wireType)) {
      return false;
    }
  }
  return true;
}
