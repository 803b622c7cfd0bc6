/**
 * What a decoded view held when it was made, so that forwarding can tell, without a flag the
 * caller must remember to set, whether anything in it was changed since: a changed message is
 * re-encoded, an unchanged one is passed on as the bytes it came in (see forwarding.ts).
 *
 * "Changed" is what a re-encode would see: a different number or string, a field added or
 * deleted, a list of another length, bytes of other contents (bytes compare by contents, as
 * strings do), and also an object or list replaced by another one, even an equal copy (a copied
 * piece carries none of the unknown fields of the one it replaced, so its encoding differs).
 * Bytes fields of a view are views into the input; their contents are compared with the
 * snapshot's private copy of the input, so a change made in place (`sha256[0] ^= 1`, which
 * changes the input too) is seen, and nothing is copied twice.
 */

type Shadow = ValueShadow | BytesAtShadow | BytesCopyShadow | ListShadow | ObjectShadow;

interface ValueShadow {
  readonly kind: "value";
  readonly value: unknown;
}

/** Bytes that lie in the input: their contents are the pristine copy's from `at`. */
interface BytesAtShadow {
  readonly kind: "bytes-at";
  readonly at: number;
  readonly length: number;
}

/** Bytes that do not (an empty field protobufjs made afresh): a copy of their contents. */
interface BytesCopyShadow {
  readonly kind: "bytes-copy";
  readonly copy: Uint8Array;
}

interface ListShadow {
  readonly kind: "list";
  readonly ref: unknown[];
  readonly items: readonly Shadow[];
}

interface ObjectShadow {
  readonly kind: "object";
  readonly ref: object;
  readonly keys: readonly string[];
  readonly values: readonly Shadow[];
}

export interface ViewSnapshot {
  /** The input as it was decoded, a private copy: the caller may reuse or wipe its own buffer. */
  readonly pristine: Uint8Array;
  readonly root: Shadow;
}

/** Takes the snapshot of `view`, decoded from `input`, right after the decode. */
export function snapshotView(view: object, input: Uint8Array): ViewSnapshot {
  return { pristine: input.slice(), root: shadowOf(view, input) };
}

/** Whether `view` is still what the snapshot saw (same objects and lists, same values, same bytes). */
export function viewUnchanged(view: object, snapshot: ViewSnapshot): boolean {
  return same(view, snapshot.root, snapshot.pristine);
}

function shadowOf(value: unknown, input: Uint8Array): Shadow {
  if (value instanceof Uint8Array) {
    const at = value.byteOffset - input.byteOffset;
    if (value.buffer === input.buffer && at >= 0 && at + value.length <= input.length) {
      return { kind: "bytes-at", at, length: value.length };
    }
    return { kind: "bytes-copy", copy: value.slice() };
  }
  if (Array.isArray(value)) {
    return { kind: "list", ref: value, items: value.map((item) => shadowOf(item, input)) };
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const values = keys.map((key) => shadowOf((value as Record<string, unknown>)[key], input));
    return { kind: "object", ref: value, keys, values };
  }
  return { kind: "value", value };
}

function same(value: unknown, shadow: Shadow, pristine: Uint8Array): boolean {
  switch (shadow.kind) {
    case "value":
      return Object.is(value, shadow.value);
    case "bytes-at":
      return value instanceof Uint8Array && bytesEqual(value, pristine.subarray(shadow.at, shadow.at + shadow.length));
    case "bytes-copy":
      return value instanceof Uint8Array && bytesEqual(value, shadow.copy);
    case "list": {
      if (value !== shadow.ref) return false;
      const list = value as unknown[];
      if (list.length !== shadow.items.length) return false;
      for (let i = 0; i < list.length; i++) if (!same(list[i], shadow.items[i] as Shadow, pristine)) return false;
      return true;
    }
    case "object": {
      if (value !== shadow.ref) return false;
      const record = value as Record<string, unknown>;
      // A deleted field reads undefined, which differs from any decoded value but an absent one.
      for (let i = 0; i < shadow.keys.length; i++) {
        if (!same(record[shadow.keys[i] as string], shadow.values[i] as Shadow, pristine)) return false;
      }
      // A field added since, unless it was set to undefined (which encodes as absent).
      for (const key of Object.keys(record)) if (record[key] !== undefined && !shadow.keys.includes(key)) return false;
      return true;
    }
  }
}

/** Byte-wise equality; Buffer's is a memcmp, which a loop over a 16 MiB description would not be. */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.length < 64) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
