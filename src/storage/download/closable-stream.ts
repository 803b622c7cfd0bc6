import { StorageError } from "../storage-error.js";

/**
 * An async generator whose `return()` and `throw()` abort the work under it first. A generator
 * suspended at an `await` (a piece still on its way) runs its `finally` only after that await
 * settles, so a consumer that went away then (a destroyed `Readable.from`, an explicit `return()`)
 * kept the fetch, its connection and its stream slot until an attempt timeout ended the piece.
 * `make` gets the signal that fires when the consumer leaves. A stream that failed stays failed:
 * a generator answers `done` to reads after its error, which a consumer that catches the error
 * and reads on would take for a file that ended normally, short.
 */
export function closableStream<T>(make: (closed: AbortSignal) => AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  const controller = new AbortController();
  const inner = make(controller.signal);
  const leave = (): void => controller.abort(new StorageError("E_ABORTED", "the stream's consumer stopped reading it"));
  let failure: { error: unknown } | undefined;
  const stream: AsyncGenerator<T, void, undefined> = {
    next: (...args) => {
      if (failure !== undefined) return Promise.reject(failure.error);
      return inner.next(...args).then(
        // A read asked for before the failure was known (reads queue) ends with it too, not `done`.
        (step) => (step.done === true && failure !== undefined ? Promise.reject(failure.error) : step),
        (error: unknown) => {
          failure ??= { error };
          throw error;
        },
      );
    },
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
