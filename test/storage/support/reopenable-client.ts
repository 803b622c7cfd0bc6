/** A receiving client that a test stops mid-way and opens again on the same journal, over an instrumented store. */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { StorageClient, type StorageClientOptions } from "../../../src/storage/index.js";
import { FAST_RETRY, SMALL_PIECES, localStore, startClient } from "./client-fixture.js";
import { InstrumentedBackend } from "./instrumented-backend.js";

/** Options of a client a test stops and opens again on the same journal, one piece in flight. */
export function reopenable(dir: string, backend: InstrumentedBackend): StorageClientOptions {
  return { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
}

/** Every put takes 150 ms, so a stop finds uploads mid-way (a put in flight is let finish); returns the count of puts asked. */
export function slowPuts(backend: InstrumentedBackend): () => number {
  let asked = 0;
  backend.beforePut = () => {
    asked++;
    return new Promise((r) => setTimeout(r, 150));
  };
  return () => asked;
}

/**
 * A photo of `size` random bytes a sender shared (`received` is its reference) over an instrumented
 * local store in `dir`, and the receiving client `a`, opened (nothing fetched yet) with `options`,
 * which open its journal again after a stop.
 */
export async function photoSharedWithReopenable(dir: string, size: number) {
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const sender = await startClient({ backend });
  const bytes = randomBytes(size);
  const received = (await sender.client.share({ bytes, fileName: "photo.jpg" }).done).reference;
  const options = reopenable(dir, backend);
  const a = await StorageClient.open(options);
  return { backend, bytes, received, options, a };
}
