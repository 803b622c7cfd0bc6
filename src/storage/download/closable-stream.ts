import { StorageError } from "../storage-error.js";

/**
 * An async generator whose `return()` and `throw()` abort the work under it first. A generator
 * suspended at an `await` (a piece still on its way) runs its `finally` only after that await
 * settles, so a consumer that went away then (a destroyed `Readable.from`, an explicit `return()`)
 * kept the fetch, its connection and its stream slot until an attempt timeout ended the piece.
 * `make` gets the signal that fires when the consumer leaves.
 */
export function closableStream<T>(make: (closed: AbortSignal) => AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  const controller = new AbortController();
  const inner = make(controller.signal);
  const leave = (): void => controller.abort(new StorageError("E_ABORTED", "the stream's consumer stopped reading it"));
  const stream: AsyncGenerator<T, void, undefined> = {
    next: (...args) => inner.next(...args),
    return: (value) => {
      leave();
      return inner.return(value);
    },
    throw: (error) => {
      leave();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
