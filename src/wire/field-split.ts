/**
 * One top-level field taken out of a message's bytes without decoding the message: what a
 * signature over "the message with its signature field left out" is computed on. Working on the
 * bytes as they are (not on a decoded and re-encoded view) keeps every other byte: fields a newer
 * writer added, their order, their encoding.
 */
import { skipGroup, skipValue, stepOver, varint } from "./wire-scan.js";

export type FieldSplit =
  | {
      readonly ok: true;
      /** The message's bytes without the field (tag, length and value), every other byte in place. */
      readonly without: Uint8Array;
      /** The field's value (a view into the input). */
      readonly value: Uint8Array;
      /** Where the value starts in the input. */
      readonly valueOffset: number;
    }
  | { readonly ok: false; readonly fault: FieldSplitFault };

export type FieldSplitFault =
  /** The message has no such field. */
  | "absent"
  /** The field comes more than once (a reader would take one of them: which one is not for the bytes to decide). */
  | "repeated"
  /** The field is there, but not as length-delimited bytes. */
  | "wrong-wire-type"
  /** The bytes are no protobuf message (a tag or length that runs past the end, field number 0, wire type 6 or 7, a broken group). */
  | "malformed";

/**
 * Takes the length-delimited field `field` out of the top level of `bytes`. The field must come
 * exactly once; nested messages are not looked into.
 */
export function withoutField(bytes: Uint8Array, field: number): FieldSplit {
  const end = bytes.length;
  const state = { pos: 0 };
  let found: { start: number; valueStart: number; valueEnd: number } | undefined;
  let repeated = false;
  while (state.pos < end) {
    const start = state.pos;
    const tag = varint(bytes, end, state);
    const number = Math.floor(tag / 8);
    if (tag < 0 || number === 0) return { ok: false, fault: "malformed" };
    const wireType = tag % 8;
    if (number === field) {
      if (wireType !== 2) return { ok: false, fault: "wrong-wire-type" };
      const valueStart = stepOver(bytes, end, state, 2);
      if (valueStart < 0) return { ok: false, fault: "malformed" };
      if (found !== undefined) repeated = true;
      found = { start, valueStart, valueEnd: state.pos };
    } else if (wireType === 3 ? !skipGroup(bytes, end, state, number) : !skipValue(bytes, end, state, wireType)) {
      return { ok: false, fault: "malformed" };
    }
  }
  if (repeated) return { ok: false, fault: "repeated" };
  if (found === undefined) return { ok: false, fault: "absent" };
  const without = new Uint8Array(end - (found.valueEnd - found.start));
  without.set(bytes.subarray(0, found.start), 0);
  without.set(bytes.subarray(found.valueEnd), found.start);
  return { ok: true, without, value: bytes.subarray(found.valueStart, found.valueEnd), valueOffset: found.valueStart };
}
