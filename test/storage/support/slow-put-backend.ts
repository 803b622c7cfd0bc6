import { setTimeout as sleep } from "node:timers/promises";
import type { PutOptions, StorageBackend } from "../../../src/storage/backend.js";
import { StorageError } from "../../../src/storage/storage-error.js";
import { ForwardingBackend } from "./forwarding-backend.js";

/**
 * An endpoint that reads uploads at a trickle: `chunkBytes` every `everyMs`, reporting each as the
 * Codex backend reports what its socket took. Over loopback a real node's upload cannot be made slow
 * this way for a piece smaller than the socket buffers (about 4 MiB are taken at once), so a test
 * of how the client judges a slow uplink uses this in-process one, with pieces of a few KiB.
 * `stored` counts the puts that got through (a whole piece delivered there).
 */
export class SlowPutBackend extends ForwardingBackend {
  requests = 0;
  stored = 0;

  constructor(
    inner: StorageBackend,
    name: string,
    private readonly drip: { readonly chunkBytes: number; readonly everyMs: number },
  ) {
    super(inner, { location: name });
  }

  override async put(body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<string> {
    this.requests++;
    if (!(body instanceof Uint8Array)) throw new TypeError("SlowPutBackend takes a piece as one buffer");
    const total = body.byteLength;
    for (let done = 0; done < total; ) {
      try {
        await sleep(this.drip.everyMs, undefined, { signal: options.signal });
      } catch {
        throw new StorageError("E_TIMEOUT", `${this.location}: the upload was cut after ${done} of ${total} bytes`, { cause: options.signal?.reason });
      }
      done = Math.min(total, done + this.drip.chunkBytes);
      options.progress?.(done, total);
    }
    const cid = await this.inner.put(body, options);
    this.stored++;
    return cid;
  }
}
