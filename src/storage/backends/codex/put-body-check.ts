import { Readable } from "node:stream";
import { StorageError } from "../../storage-error.js";
import type { CallContext } from "./http-status-error.js";

/** What a value a JavaScript caller handed in is, for a message (never its contents). */
function kindOf(value: unknown): string {
  return typeof value === "object" ? (value === null ? "null" : (value.constructor?.name ?? "object")) : typeof value;
}

/**
 * A put's body yielded something other than a Uint8Array: text from a stream with an encoding set,
 * an ArrayBuffer. Text has no byteLength, so it read as no bytes at all (an empty body: the empty
 * content's CID for a whole file) or went out uncounted; refused instead, as the local store does.
 */
export function notBytes(chunk: unknown, ctx: CallContext): StorageError {
  const kind = kindOf(chunk);
  return new StorageError("E_BACKEND_REJECTED", `put to Codex node ${ctx.location}: the body yielded a ${kind}, not bytes (a stream with an encoding set?); nothing was stored.`, {
    details: { chunk: kind, method: ctx.method, path: ctx.path },
  });
}

/** put() was handed something that is neither bytes nor an async iterable of them (a JavaScript caller's mistake). */
export function notABody(body: unknown, ctx: CallContext): StorageError {
  const kind = kindOf(body);
  return new StorageError(
    "E_BACKEND_REJECTED",
    `put to Codex node ${ctx.location}: the body is a ${kind}, neither bytes (a Uint8Array) nor an async iterable of them; nothing was stored.`,
    { details: { body: kind, method: ctx.method, path: ctx.path } },
  );
}

/** Whether `body` can be read as a put's body. */
export function isBody(body: unknown): body is Uint8Array | AsyncIterable<Uint8Array> {
  return body instanceof Uint8Array || (typeof body === "object" && body !== null && typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === "function");
}

/**
 * Hands back a source a put refused before reading it (not awaited: the source may stall). A Node
 * stream's iterator closes the stream only once reading began, so a Readable is destroyed too: a file
 * read stream would otherwise hold its descriptor for the life of the process.
 */
export function handBack(body: AsyncIterable<Uint8Array>): void {
  void (async () => body[Symbol.asyncIterator]().return?.())().catch(() => undefined);
  if (body instanceof Readable) body.destroy();
}
