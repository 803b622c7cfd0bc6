import { FEATURES } from "../versions/index.js";
import type { MessageName } from "./schema-registry.js";

/**
 * String fields whose every valid value is a short ASCII token (CIDs, feature names). The codec's
 * runtime schema reads and writes them as bytes (the same wire type as string, so the same bytes
 * on the wire): they are checked byte by byte and only then turned into a string. This skips
 * protobufjs's UTF-8 string building for the most numerous strings of a FileReference, whose
 * result (a rope of 8-character pieces) would then be flattened again just to be checked.
 */
export const ASCII_FIELDS: Readonly<Partial<Record<MessageName, readonly string[]>>> = Object.freeze({
  Piece: ["cid"],
  CommunityDescriptionPointer: ["cid", "supersedesCid"],
  Capabilities: ["features"],
});

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Bytes already checked to be ASCII, as a string. */
export function asciiText(bytes: Uint8Array): string {
  return bytes.length === 0 ? "" : decoder.decode(bytes);
}

/** A string already checked to be ASCII, as bytes. */
export function asciiBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The feature names of the release table as bytes, by length: every envelope's sender lists some. */
const KNOWN_FEATURES: ReadonlyArray<ReadonlyArray<readonly [Uint8Array, string]>> = (() => {
  const byLength: Array<Array<readonly [Uint8Array, string]>> = [];
  for (const name of FEATURES) {
    const bytes = encoder.encode(name);
    (byLength[bytes.length] ??= []).push([bytes, name]);
  }
  return byLength;
})();

/**
 * The known feature name `bytes` spell, as the one shared string, or undefined for any other
 * name (a newer release's feature, or garbage: the caller checks and decodes it).
 */
export function knownFeature(bytes: Uint8Array): string | undefined {
  return knownFeatureAt(bytes, 0, bytes.length);
}

/** knownFeature on `buf[start..end)`, where a reader finds the name in its input. */
export function knownFeatureAt(buf: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  const candidates = KNOWN_FEATURES[n];
  if (candidates === undefined) return undefined;
  for (const [known, name] of candidates) {
    let i = 0;
    while (i < n && known[i] === buf[start + i]) i++;
    if (i === n) return name;
  }
  return undefined;
}
