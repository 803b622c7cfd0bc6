/**
 * `Promise.withResolvers` arrived in Node 22; js-waku's stack (mortice 3.3 → it-queue) calls it, and
 * without it libp2p.start() fails on Node 20 with "Promise.withResolvers is not a function"
 * (facts/waku-js-node20.md). The relay transport installs this before it imports js-waku. It
 * changes nothing where the runtime has its own, and behaves as the standard one where it does not.
 */
export function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === "function") return;
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
