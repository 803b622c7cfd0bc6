import type { FileHandle } from "node:fs/promises";

/** Descriptors open at once on the files a test counts: now and at most. */
export interface OpenCount {
  live: number;
  peak: number;
}

/**
 * A pass-through `open` of node:fs/promises (every call goes to `open`) that counts the handles
 * open at once on the paths `counted` picks, for a vi.mock factory of node:fs/promises.
 */
export function countingOpen<Open extends (...args: never[]) => Promise<FileHandle>>(open: Open, count: OpenCount, counted: (path: string) => boolean): Open {
  return (async (...args: Parameters<Open>) => {
    const handle = await open(...args);
    if (counted(String(args[0]))) {
      count.live++;
      count.peak = Math.max(count.peak, count.live);
      const close = handle.close.bind(handle);
      let closed = false;
      handle.close = async () => {
        if (!closed) {
          closed = true;
          count.live--;
        }
        return close();
      };
    }
    return handle;
  }) as Open;
}
