/**
 * A file hash that waits at a gate the test sets, standing for a large file's hash (seconds on a
 * phone's storage): for tests of what may end that hash (cancel(), stop()). Used from a `vi.mock`
 * of src/storage/file-digest.js, with the gate made by `vi.hoisted`.
 */
import type * as FileDigestModule from "../../../src/storage/file-digest.js";

export interface HashGate {
  /** The next hash waits here: `entered` is called when it does, and it goes on once `open` settles or its signal fires. */
  next?: { entered: () => void; open: Promise<void> };
  /** The signal the gated hash was given. */
  signal?: AbortSignal | undefined;
}

/** The module with its fileDigest gated by `gate`. */
export function gatedFileDigest(original: typeof FileDigestModule, gate: HashGate): typeof FileDigestModule {
  return {
    ...original,
    fileDigest: async (...args: Parameters<typeof original.fileDigest>) => {
      const waiting = gate.next;
      gate.next = undefined;
      if (waiting !== undefined) {
        const signal = args[3];
        gate.signal = signal;
        waiting.entered();
        // A signal the hash is given ends it, as fileDigest's own loop does.
        await Promise.race([waiting.open, new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true }))]);
      }
      return original.fileDigest(...args);
    },
  };
}
