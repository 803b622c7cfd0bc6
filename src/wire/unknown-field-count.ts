import type protobuf from "protobufjs/light.js";
import { scanBeforeDecode } from "./pre-decode-scan.js";

/**
 * How many fields of `bytes` protobufjs would keep as unknown when decoding them as `type` with
 * `discardUnknown = false`, over every depth, counted without allocating; the count stops at
 * `stopAt + 1`. Forwarding takes it from the pre-decode scan (`checkBeforeDecode`), which counts the
 * capped lists in the same walk; this is that count alone.
 */
export function countUnknownFields(type: protobuf.Type, bytes: Uint8Array, stopAt: number): number {
  return scanBeforeDecode(type, bytes, stopAt).unknownFields;
}
