/**
 * Why protobuf bytes failed to decode, found by walking their top-level structure ourselves, so the
 * answer does not depend on a library's error messages. Runs only after a decode has failed.
 *
 * "truncated": a field at the top level runs past the end of the bytes (a varint that never ends, a
 * length prefix larger than what remains). "malformed": everything else (an invalid wire type,
 * field number 0, a stray end-group, or a problem inside a complete length-delimited field).
 */
export type StructureFault = "truncated" | "malformed";

/** The fault, and for a malformed top level what is wrong there, in words for the error message. */
export interface FaultFound {
  readonly kind: StructureFault;
  readonly why?: string;
}

/**
 * protobufjs's Reader.recursionLimit: it refuses a field read inside more groups than this (so it
 * reads 101 levels at the top of a message, the innermost empty). Bytes cut short above that depth
 * are truncated, as protobufjs finds them; below it they are malformed, whatever follows.
 */
const RECURSION_LIMIT = 100;

class Fault {
  constructor(
    readonly kind: StructureFault,
    readonly why?: string,
  ) {}
}

export function structureFault(bytes: Uint8Array): FaultFound {
  try {
    walk(bytes, 0, 0, -1);
    // The top level is complete, so the fault is inside a field.
    return { kind: "malformed" };
  } catch (err) {
    if (err instanceof Fault) return err.why === undefined ? { kind: err.kind } : { kind: err.kind, why: err.why };
    return { kind: "malformed" };
  }
}

function varint(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new Fault("truncated");
    const b = bytes[pos++] as number;
    if (i < 7) value += (b & 0x7f) * mul; // exact up to 2^49, plenty to compare with a length
    mul *= 128;
    if (b < 0x80) return [value, pos];
  }
  throw new Fault("malformed", "a varint longer than 10 bytes");
}

/** Walks fields from `pos` until the end (group -1) or the end-group of `group`; returns where it stopped. */
function walk(bytes: Uint8Array, pos: number, depth: number, group: number): number {
  while (pos < bytes.length) {
    const [tag, afterTag] = varint(bytes, pos);
    pos = afterTag;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) throw new Fault("malformed", "a field numbered 0");
    if (tag > 0xffff_ffff) throw new Fault("malformed", "a field number above 2^29 - 1");
    // Any field but the end of the group it is in, as protobufjs's skipType checks its depth.
    if (depth > RECURSION_LIMIT && !(wireType === 4 && field === group)) {
      throw new Fault("malformed", `groups nested more than ${RECURSION_LIMIT} deep`);
    }
    switch (wireType) {
      case 0:
        pos = varint(bytes, pos)[1];
        break;
      case 1:
        if (pos + 8 > bytes.length) throw new Fault("truncated");
        pos += 8;
        break;
      case 2: {
        const [length, afterLength] = varint(bytes, pos);
        if (afterLength + length > bytes.length) throw new Fault("truncated");
        pos = afterLength + length;
        break;
      }
      case 3:
        pos = walk(bytes, pos, depth + 1, field);
        break;
      case 4:
        if (field !== group) {
          throw new Fault("malformed", group === -1 ? "an end of group (wire type 4) with no group open" : "an end of group that closes another group");
        }
        return pos;
      case 5:
        if (pos + 4 > bytes.length) throw new Fault("truncated");
        pos += 4;
        break;
      default:
        throw new Fault("malformed", `wire type ${wireType} does not exist`);
    }
  }
  // Out of bytes inside a group: the end-group tag never came.
  if (group !== -1) throw new Fault("truncated");
  return pos;
}
