/**
 * The Waku message as it travels (14/WAKU2-MESSAGE, the protobuf js-waku's encoder writes): the
 * fields the bridge uses, `payload` (1), `content_topic` (2), `version` (3, always 0 here) and
 * `timestamp` (10, sint64 nanoseconds; js-waku stamps milliseconds). The memory transport sends
 * every message through this encoding, as the relay transport does through js-waku's, so a test on
 * memory sees the bytes and timestamps a relay carries (relay-transport.test.ts checks that
 * js-waku reads these bytes and this reads js-waku's). Other fields (meta, rate limit proof,
 * ephemeral) are skipped when read.
 */
import { BridgeError } from "../bridge-error.js";

export interface WakuMessageFields {
  readonly payload: Uint8Array;
  readonly contentTopic: string;
  /** Milliseconds since the epoch. */
  readonly timestampMs?: number;
}

const NS_PER_MS = 1_000_000n;

function unreadable(why: string): BridgeError {
  return new BridgeError("E_BRIDGE_UNREADABLE", `bytes that are no Waku message: ${why}`, { details: { problem: why } });
}

function writeVarint(out: number[], value: bigint): void {
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function writeTag(out: number[], field: number, wireType: number): void {
  writeVarint(out, BigInt((field << 3) | wireType));
}

function writeBytesField(out: number[], field: number, bytes: Uint8Array): number[] {
  writeTag(out, field, 2);
  writeVarint(out, BigInt(bytes.byteLength));
  return out;
}

/** The message's protobuf bytes. */
export function encodeWakuMessage(message: WakuMessageFields): Uint8Array {
  const topic = new TextEncoder().encode(message.contentTopic);
  const head = writeBytesField([], 1, message.payload);
  const middle = writeBytesField([], 2, topic);
  const tail: number[] = [];
  writeTag(tail, 3, 0);
  writeVarint(tail, 0n);
  if (message.timestampMs !== undefined) {
    const ns = BigInt(Math.trunc(message.timestampMs)) * NS_PER_MS;
    writeTag(tail, 10, 0);
    writeVarint(tail, ns >= 0n ? ns << 1n : ((-ns) << 1n) - 1n); // zigzag
  }
  const out = new Uint8Array(head.length + message.payload.byteLength + middle.length + topic.byteLength + tail.length);
  let at = 0;
  for (const part of [Uint8Array.from(head), message.payload, Uint8Array.from(middle), topic, Uint8Array.from(tail)]) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw unreadable("a content topic that is not UTF-8");
  }
}

/** Reads a Waku message; bytes that are not one are BridgeError E_BRIDGE_UNREADABLE. The payload is a copy. */
export function decodeWakuMessage(bytes: Uint8Array): WakuMessageFields {
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.byteLength) throw unreadable("a varint runs past the end");
      const b = bytes[at++] as number;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
    }
    throw unreadable("a varint longer than 10 bytes");
  };
  let payload: Uint8Array | undefined;
  let contentTopic: string | undefined;
  let timestampMs: number | undefined;
  while (at < bytes.byteLength) {
    const tag = varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) {
      const value = varint();
      if (field === 10) timestampMs = Number(((value & 1n) === 0n ? value >> 1n : -((value + 1n) >> 1n)) / NS_PER_MS);
    } else if (wireType === 2) {
      const length = varint();
      if (length > BigInt(bytes.byteLength - at)) throw unreadable(`field ${field} runs past the end`);
      const value = bytes.subarray(at, at + Number(length));
      at += Number(length);
      if (field === 1) payload = new Uint8Array(value);
      else if (field === 2) contentTopic = utf8(value);
    } else if (wireType === 1) {
      at += 8;
    } else if (wireType === 5) {
      at += 4;
    } else {
      throw unreadable(`wire type ${wireType} of field ${field}`);
    }
    if (at > bytes.byteLength) throw unreadable(`field ${field} runs past the end`);
  }
  if (contentTopic === undefined || contentTopic === "") throw unreadable("no content topic");
  return { payload: payload ?? new Uint8Array(0), contentTopic, ...(timestampMs === undefined ? {} : { timestampMs }) };
}
