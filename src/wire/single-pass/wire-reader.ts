/**
 * The low-level half of the single-pass read path: protobuf wire primitives over one input buffer,
 * with no schema knowledge (the message readers beside it supply that, as protobuf-es splits its
 * binary reader from reflection).
 *
 * It accepts a subset of what protobufjs 8's Reader accepts, read the same way: every varint,
 * tag, length and UTF-8 rule below mirrors protobufjs 8.8 (src/reader.js, src/util/utf8.js).
 * Anything protobufjs would throw on, and a few legal but odd encodings it handles in ways not
 * worth copying (groups), mark the reader as failed instead of throwing: the caller then leaves
 * the input to the reflection path, which decides (and names the error). So failing here is
 * always safe; accepting is what must match, and the equivalence tests hold it to that.
 */
import { MAX_REPEATED_FIELDS } from "../limits.js";

/** Wire types (the low 3 bits of a tag). */
export const VARINT = 0;
export const FIXED64 = 1;
export const DELIMITED = 2;
export const FIXED32 = 5;

/** protobufjs verifies proto3 strings (utf8_validation VERIFY) with a fatal, BOM-keeping decoder. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class WireReader {
  /** Set once anything is off; every read then returns a harmless value and the result is discarded. */
  failed = false;
  pos = 0;
  /** Occurrences of known singular fields after their first, over the message read so far (see once()). */
  repeated = 0;
  /** The input as a Buffer (same memory), made on the first string: Buffer's latin1 decoding of a range needs no subarray. */
  private text: Buffer | undefined;

  constructor(readonly buf: Uint8Array) {}

  /**
   * Marks the input as left to the reflection path and moves to the end of the input, so every
   * loop ends and every later read fails too. Returns 0 so callers can `return this.fail()`.
   */
  fail(): number {
    this.failed = true;
    this.pos = this.buf.length;
    return 0;
  }

  /** fail() for delimitedEnd: the "end" of the field is the end of the input. */
  private failEnd(): number {
    this.fail();
    return this.buf.length;
  }

  /**
   * A tag (field number << 3 | wire type) ending before `end`: at most 5 bytes, the fifth below 16
   * (protobufjs: "invalid tag encoding"). Field number 0 is left to the caller (it never matches a
   * known field, and skipping it fails).
   */
  tag(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) return this.fail();
    let b = buf[pos++] as number;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let value = b & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= end) return this.fail();
      b = buf[pos++] as number;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value;
      }
    }
    if (pos >= end) return this.fail();
    b = buf[pos++] as number;
    if (b >= 0x10) return this.fail();
    this.pos = pos;
    return (value | (b << 28)) >>> 0;
  }

  /**
   * Notes the known singular field of `tag` in `seen` (the fields of one occurrence of a message so
   * far, a bit per field number; every number here is below 31) and returns the new set. A field
   * that comes again counts, and past MAX_REPEATED_FIELDS the reader fails: the pre-decode scan
   * refuses such input on the reflection path, which must decide it.
   */
  once(seen: number, tag: number): number {
    const bit = 1 << (tag >>> 3);
    if ((seen & bit) !== 0 && ++this.repeated > MAX_REPEATED_FIELDS) this.fail();
    return seen | bit;
  }

  /** A varint as uint32 (its low 32 bits), at most 10 bytes long, as protobufjs's `uint32()`. */
  uint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) return this.fail();
    let b = buf[pos++] as number;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let value = b & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      if (pos >= end) return this.fail();
      b = buf[pos++] as number;
      value |= (b & 0x7f) << shift; // the fifth byte's shift of 28 keeps its low 4 bits, as protobufjs
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    // Bytes 6 to 10 only end the varint; their bits are above 32.
    for (let i = 0; i < 5; i++) {
      if (pos >= end) return this.fail();
      if ((buf[pos++] as number) < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    return this.fail();
  }

  /**
   * A varint as uint64, the way protobufjs builds its Long (low and high words, bits past 64
   * dropped, at most 10 bytes), returned as a number, or -1 when above Number.MAX_SAFE_INTEGER
   * (the view refuses it; that is a rule, not a structure fault, so the reader is not failed).
   */
  uint64(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) return this.fail();
      b = buf[pos++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return lo;
      }
    }
    if (pos >= end) return this.fail();
    b = buf[pos++] as number;
    lo |= (b & 0x7f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31 || pos >= end) return this.fail();
        b = buf[pos++] as number;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    hi >>>= 0;
    return hi <= 0x1f_ffff ? hi * 0x1_0000_0000 + (lo >>> 0) : -1;
  }

  /**
   * A length prefix and the end of the field it announces, which must lie within `end`: at most 5
   * bytes, below 2^31 (protobufjs: "invalid length encoding"). Leaves `pos` at the field's start.
   */
  delimitedEnd(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) return this.failEnd();
    let b = buf[pos++] as number;
    let length = b & 0x7f;
    if (b >= 0x80) {
      let shift = 7;
      for (;;) {
        if (pos >= end) return this.failEnd();
        b = buf[pos++] as number;
        if (shift === 28) {
          if (b > 7) return this.failEnd();
          length = (length | (b << 28)) >>> 0;
          break;
        }
        length |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
    }
    const fieldEnd = pos + length;
    if (fieldEnd > end) return this.failEnd();
    this.pos = pos;
    return fieldEnd;
  }

  /** A bytes field as a view into the input (no copy); an empty one as a new empty array, as the reflection path. */
  bytes(end: number): Uint8Array {
    const fieldEnd = this.delimitedEnd(end);
    const start = this.pos;
    this.pos = fieldEnd;
    return fieldEnd > start ? this.buf.subarray(start, fieldEnd) : new Uint8Array(0);
  }

  /** A verified UTF-8 string (protobufjs `stringVerify`): invalid UTF-8 fails the reader. */
  string(end: number): string {
    const fieldEnd = this.delimitedEnd(end);
    const start = this.pos;
    this.pos = fieldEnd;
    if (fieldEnd <= start) return "";
    const buf = this.buf;
    for (let i = start; i < fieldEnd; i++) {
      if ((buf[i] as number) >= 0x80) return this.utf8(start, fieldEnd);
    }
    return this.asciiAt(start, fieldEnd);
  }

  /** `buf[start..end)`, already checked to be ASCII, as a string (latin1 and UTF-8 agree on ASCII). */
  asciiAt(start: number, end: number): string {
    if (end <= start) return "";
    const buf = this.buf;
    this.text ??= Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    return this.text.toString("latin1", start, end);
  }

  private utf8(start: number, end: number): string {
    try {
      return strictUtf8.decode(this.buf.subarray(start, end));
    } catch {
      this.fail();
      return "";
    }
  }

  /**
   * Skips a field this reader does not read (unknown to the reader's schema, or a known number
   * with another wire type, which protobufjs also treats as unknown). Groups, end-groups, wire
   * types 6 and 7 and field number 0 fail: protobufjs throws on all but well-formed groups, and
   * no version of this protocol writes groups.
   */
  skip(tag: number, end: number): void {
    if (tag < 8) {
      this.fail();
      return;
    }
    switch (tag & 7) {
      case VARINT: {
        // protobufjs skips a varint of any length.
        const buf = this.buf;
        let pos = this.pos;
        for (;;) {
          if (pos >= end) {
            this.fail();
            return;
          }
          if ((buf[pos++] as number) < 0x80) break;
        }
        this.pos = pos;
        return;
      }
      case FIXED64:
        if (this.pos + 8 > end) this.fail();
        else this.pos += 8;
        return;
      case DELIMITED:
        this.pos = this.delimitedEnd(end);
        return;
      case FIXED32:
        if (this.pos + 4 > end) this.fail();
        else this.pos += 4;
        return;
      default:
        this.fail();
    }
  }
}
