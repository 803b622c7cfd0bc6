import type { Socket } from "node:net";

/**
 * An upload whose node answers before reading the whole body (full at its first block past the
 * quota, a 422 on the headers, a proxy's 413) and closes the connection with the rest unread: the
 * peer's kernel resets, and the client's next write fails with EPIPE or ECONNRESET. The answer is
 * by then in this socket's receive buffer, but Node's writable side takes a write error as the
 * socket's end: it marks the readable side errored too (bytes read later are dropped) and
 * destroys the socket, so the answer is never parsed and the request fails as unreachable
 * (nodejs/node#12339, #54366). Whether a write comes first depends on what wakes it: a drain of
 * this socket comes after its own reads (libuv reads a socket before it reports its writes), the
 * next chunk of a file stream (the thread pool's wake-up) may not.
 *
 * The holder (the upload exchange) may take such an error: the write is then reported done, every
 * later write of the socket goes nowhere (also reported done: the peer will read none of it), and
 * the socket keeps reading, so the answer arrives as usual. The holder does not count those bytes
 * as sent, never reuses the socket, and bounds its wait for an answer.
 *
 * Done through the socket's own `_write` / `_writev` (the Writable implementer's hooks, set on the
 * instance), the only place a write's error passes before Writable acts on it.
 */
export interface WriteErrorHolder {
  /** A write of the socket failed with `error`; true: held (the socket keeps reading), false: Node handles it. */
  holdWriteError(error: Error): boolean;
}

type WriteCallback = (error?: Error | null) => void;

/** Errors that mean the peer has closed the connection under a write. */
const PEER_GONE_CODES = new Set(["EPIPE", "ECONNRESET"]);

/** The exchange a socket's writes serve now; none: write errors are Node's as usual. */
const holders = new WeakMap<Socket, WriteErrorHolder>();
const hooked = new WeakSet<Socket>();

/** Lets `holder` take the peer-gone write errors of `socket` until it lets go (`letGo`). */
export function holdWriteErrors(socket: Socket, holder: WriteErrorHolder): void {
  holders.set(socket, holder);
  if (hooked.has(socket)) return;
  hooked.add(socket);
  let held = false;
  const guarded =
    (callback: WriteCallback): WriteCallback =>
    (error) => {
      if (error != null && !held && PEER_GONE_CODES.has((error as { code?: unknown }).code as string)) {
        if (holders.get(socket)?.holdWriteError(error) === true) {
          held = true;
          callback();
          return;
        }
      }
      callback(error);
    };
  const write = socket._write;
  socket._write = function (chunk: unknown, encoding: BufferEncoding, callback: WriteCallback): void {
    if (held) return callback();
    write.call(this, chunk, encoding, guarded(callback));
  };
  const writev = socket._writev;
  if (writev !== undefined) {
    socket._writev = function (chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, callback: WriteCallback): void {
      if (held) return callback();
      writev.call(this, chunks, guarded(callback));
    };
  }
}

/** Ends `holder`'s claim on `socket` (another exchange may have the pooled socket by now: its claim stays). */
export function letGo(socket: Socket, holder: WriteErrorHolder): void {
  if (holders.get(socket) === holder) holders.delete(socket);
}
