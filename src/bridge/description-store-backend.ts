import { MAX_COMMUNITY_DESCRIPTION_BYTES } from "../wire/index.js";
import type { StorageBackend } from "../storage/index.js";
import { BridgeError } from "./bridge-error.js";
import type { DescriptionGetOptions, DescriptionStore, DescriptionStoreCallOptions } from "./description-store.js";

/**
 * A DescriptionStore over one of the storage layer's backends (the Codex REST API, or the local
 * store). The description goes up as it is, not encrypted as a shared file is: every member must
 * read it, and its signature and the pointer's content_hash are what guard it. Gets read at most
 * `maxBytes` (the pointer's size) and at most MAX_COMMUNITY_DESCRIPTION_BYTES, whatever the store
 * says the content's size is, so a wrong pointer or a hostile node cannot make a member buffer more.
 * The backend stays the caller's: this adapter never closes it.
 */
export function descriptionStoreOn(backend: StorageBackend): DescriptionStore {
  return {
    kind: backend.kind,
    async put(bytes: Uint8Array, options: DescriptionStoreCallOptions = {}): Promise<string> {
      return backend.put(bytes, { size: bytes.byteLength, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    },
    async get(cid: string, options: DescriptionGetOptions = {}): Promise<Uint8Array> {
      const limit = Math.min(options.maxBytes ?? MAX_COMMUNITY_DESCRIPTION_BYTES, MAX_COMMUNITY_DESCRIPTION_BYTES);
      const { size, body } = await backend.get(cid, options.signal === undefined ? {} : { signal: options.signal });
      if (size > limit) {
        // Not read at all: closing the iterator lets the backend free its socket or file.
        await body[Symbol.asyncIterator]().return?.();
        throw tooLarge(cid, size, limit);
      }
      const out = new Uint8Array(size);
      let received = 0;
      for await (const chunk of body) {
        if (received + chunk.byteLength > size) throw tooLarge(cid, received + chunk.byteLength, size);
        out.set(chunk, received);
        received += chunk.byteLength;
        options.progress?.(received);
      }
      return received === size ? out : out.subarray(0, received);
    },
  };
}

function tooLarge(cid: string, size: number, limit: number): BridgeError {
  return new BridgeError("E_BRIDGE_DESCRIPTION_MISMATCH", `description ${cid} holds ${size} bytes, above the ${limit} its pointer or the description cap allows`, {
    details: { cid, size, limit },
  });
}
