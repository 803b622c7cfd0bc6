import { isErrored, isReadable, Readable } from "node:stream";
import { StorageError } from "./storage-error.js";

/**
 * The checks every backend makes of what a JavaScript caller hands to `StorageBackend.put`, and how
 * a refused or failed put hands its source back. `where` names the put in messages ("put to the
 * local store", "put to Codex node URL"); `details` adds what the backend reports besides.
 */

/** What a value a JavaScript caller handed in is, for a message (never its contents). */
function kindOf(value: unknown): string {
  return typeof value === "object" ? (value === null ? "null" : (value.constructor?.name ?? "object")) : typeof value;
}

/** Whether `body` can be read as a put's body: bytes, or an async iterable of them. */
export function isPutBody(body: unknown): body is Uint8Array | AsyncIterable<Uint8Array> {
  return body instanceof Uint8Array || (typeof body === "object" && body !== null && typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === "function");
}

/** put() was handed something that is neither bytes nor an async iterable of them (a JavaScript caller's mistake). */
export function notABody(body: unknown, where: string, details: Record<string, unknown> = {}): StorageError {
  const kind = kindOf(body);
  return new StorageError("E_BACKEND_REJECTED", `${where}: the body is a ${kind}, neither bytes (a Uint8Array) nor an async iterable of them; nothing was stored.`, {
    details: { body: kind, ...details },
  });
}

/**
 * A put's body yielded something other than a Uint8Array: text from a stream with an encoding set,
 * an ArrayBuffer. Text has no byteLength, so it read as no bytes at all (the empty content's CID
 * for a whole file) or went out uncounted; refused instead.
 */
export function notBytes(chunk: unknown, where: string, details: Record<string, unknown> = {}): StorageError {
  const kind = kindOf(chunk);
  return new StorageError("E_BACKEND_REJECTED", `${where}: the body yielded a ${kind}, not bytes (a stream with an encoding set?); nothing was stored.`, {
    details: { chunk: kind, ...details },
  });
}

/** One-shot bodies (a Node stream, an async generator or iterator) some put has taken, read or given up. */
const taken = new WeakSet<object>();

/**
 * Takes a put's iterable body, or refuses it (returned, to throw) when it can no longer give the
 * content: a one-shot body (a Node stream, a web ReadableStream, an async generator or iterator) an
 * earlier put took, or a Node stream already destroyed or at its end. Such a body yields nothing or
 * only what is left, and was stored as that: a caller putting the same stream again after a failed
 * put (its own retry) got the empty content's CID back as a success, or a CID of a tail of the file;
 * a destroyed stream failed with a raw AbortError. A re-iterable body (an object whose
 * Symbol.asyncIterator makes a fresh iterator each time) may be put again.
 */
export function takeBody(body: AsyncIterable<Uint8Array>, where: string, details: Record<string, unknown> = {}): StorageError | undefined {
  const kind = kindOf(body);
  if (taken.has(body)) {
    return new StorageError(
      "E_BACKEND_REJECTED",
      `${where}: this ${kind} was handed to an earlier put, which read it or gave it up, and can be read only once; pass the bytes, or a fresh stream, to each put; nothing was stored.`,
      { details: { body: kind, reused: true, ...details } },
    );
  }
  if (body instanceof Readable && (body.destroyed || body.readableEnded)) {
    return new StorageError(
      "E_BACKEND_REJECTED",
      `${where}: the ${kind} is already ${body.destroyed ? "destroyed" : "read to its end"} and has nothing to give; pass the bytes, or a fresh stream; nothing was stored.`,
      { details: { body: kind, state: body.destroyed ? "destroyed" : "ended", ...details } },
    );
  }
  if (body instanceof ReadableStream) {
    const refused = spentWebStream(body, where, kind, details);
    if (refused !== undefined) return refused;
  }
  // A web ReadableStream is read once too: its iterator cancels it when done (or when given up).
  if (body instanceof Readable || body instanceof ReadableStream || typeof (body as { next?: unknown }).next === "function") taken.add(body);
  return undefined;
}

/**
 * A web ReadableStream that cannot give the content: locked (a reader or a pipe holds it: making
 * its iterator threw a raw TypeError, ERR_INVALID_STATE, out of put), or closed (read to its end,
 * cancelled) or errored, whose iterator gives nothing: stored as the empty content, its CID returned
 * as a success. Node's stream.isReadable / isErrored tell a web stream's state (ReadableStream has
 * no public property for it). Not taken: a locked stream was not read, and may be put once its
 * reader lets go.
 */
function spentWebStream(body: ReadableStream, where: string, kind: string, details: Record<string, unknown>): StorageError | undefined {
  if (body.locked) {
    return new StorageError(
      "E_BACKEND_REJECTED",
      `${where}: the ${kind} is locked (a reader or a pipe holds it), so the put cannot read it; release its reader, or pass the bytes or a fresh stream; nothing was stored.`,
      { details: { body: kind, state: "locked", ...details } },
    );
  }
  if (isReadable(body as unknown as NodeJS.ReadableStream) !== false) return undefined;
  const state = isErrored(body as unknown as NodeJS.ReadableStream) ? "errored" : "closed";
  return new StorageError(
    "E_BACKEND_REJECTED",
    `${where}: the ${kind} is already ${state === "errored" ? "errored" : "closed (read to its end, or cancelled)"} and has nothing to give; pass the bytes, or a fresh stream; nothing was stored.`,
    { details: { body: kind, state, ...details } },
  );
}

/**
 * Hands a source back after a refused or failed put (`iterator`: the one the put took from it, if
 * any). Not awaited (the source may stall), and a return() that throws must not hide the failure.
 * A Node stream's iterator closes the stream only once reading began, so a put that failed before
 * destroys the stream itself: a file stream would otherwise hold its descriptor for the life of the
 * process.
 */
export function handBackSource(body: AsyncIterable<Uint8Array>, iterator?: AsyncIterator<Uint8Array>): void {
  void (async () => (iterator ?? body[Symbol.asyncIterator]()).return?.())().catch(() => undefined);
  if (body instanceof Readable) body.destroy();
}
