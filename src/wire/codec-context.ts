import type { PbObject } from "./raw-codec.js";
import { NEWEST_SCHEMA_VERSION, schemaFor, type MessageName, type VersionSchema } from "./schema-registry.js";

/**
 * Which fields a conversion between a view and protobuf uses: those of the schema the bytes are
 * read or written with, limited to those the writer's version has. A version 3 reader of version 2
 * bytes therefore leaves version 3 fields absent (not zero), so it can fall back as the protocol
 * says; a version 2 reader of version 3 bytes knows only version 2 fields and keeps the rest as
 * unknown fields.
 */
export interface CodecContext {
  /** The schema the bytes are decoded or encoded with (the reader's own, or the writer's). */
  readonly schema: VersionSchema;
  /** The protocol version the message was written with. */
  readonly written: number;
  has(message: MessageName, field: string): boolean;
}

/** How a view is built. */
export interface ViewOptions {
  /**
   * For decodeForForwarding: what a writer newer than this node added to a closed set of this
   * version (an encryption scheme) is carried, not refused, when `ctx.written` is above the schema's
   * version. A read refuses it as ever.
   */
  readonly forwarding?: boolean;
}

/** Converts one message between its version-independent view and protobufjs's object. */
export interface MessageCodec<V> {
  readonly message: MessageName;
  /** Builds the view and validates it; throws WireError E_WIRE_INVALID_FIELD. */
  toView(pb: PbObject, ctx: CodecContext, options?: ViewOptions): V;
  /** Validates the view and builds the object to encode; throws WireError E_WIRE_INVALID_FIELD. */
  toPb(view: V, ctx: CodecContext): PbObject;
}

const contexts = new Map<number, CodecContext>();

/**
 * Contexts for writers newer than every schema of this build: their version comes from the peer (a
 * relay forwards with the envelope's, any uint32), so only the most recent few are kept. Kept all,
 * a peer sending one envelope per version grew the heap by about 1.2 KB a version, for good.
 */
const newerWriters = new Map<number, CodecContext>();
const MAX_NEWER_WRITER_CONTEXTS = 32;

/** The context for bytes written at `written` and handled with `schema` (memoized: the hot path allocates nothing). */
export function codecContext(schema: VersionSchema, written: number): CodecContext {
  const key = schema.version * 0x1_0000_0000 + written; // both uint32: one number, no string per call
  const memo = written > NEWEST_SCHEMA_VERSION ? newerWriters : contexts;
  let ctx = memo.get(key);
  if (ctx === undefined) {
    // A writer newer than every schema here has at least the reader's fields (fields are never reused).
    const writer = written === schema.version ? undefined : schemaFor(written);
    const both = (message: MessageName, field: string) =>
      schema.hasField(message, field) && (writer === undefined || writer.hasField(message, field));
    // Answers cached per (message, field): the codecs ask a handful of times per message.
    const answers = new Map<MessageName, Map<string, boolean>>();
    ctx = Object.freeze({
      schema,
      written,
      has(message: MessageName, field: string): boolean {
        let perMessage = answers.get(message);
        if (perMessage === undefined) answers.set(message, (perMessage = new Map()));
        let answer = perMessage.get(field);
        if (answer === undefined) perMessage.set(field, (answer = both(message, field)));
        return answer;
      },
    });
    memo.set(key, ctx);
    // The oldest first: a Map iterates in insertion order.
    if (memo === newerWriters && memo.size > MAX_NEWER_WRITER_CONTEXTS) memo.delete(memo.keys().next().value as number);
  }
  return ctx;
}
