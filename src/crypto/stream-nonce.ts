import { NONCE_BYTES, NONCE_PREFIX_BYTES } from "./stream-params.js";

/**
 * The STREAM nonce, prefix(7) ‖ counter(4, big endian) ‖ last(1), written into one reusable
 * buffer: binding the position and the "final" bit into every chunk's nonce is what makes a moved,
 * dropped or appended chunk fail authentication.
 */
export class StreamNonce {
  readonly bytes: Buffer = Buffer.alloc(NONCE_BYTES);

  constructor(prefix: Uint8Array) {
    this.bytes.set(prefix, 0);
  }

  /** Sets counter and flag; returns the same buffer (createCipheriv copies it). */
  at(index: number, last: boolean): Buffer {
    this.bytes.writeUInt32BE(index, NONCE_PREFIX_BYTES);
    this.bytes[NONCE_BYTES - 1] = last ? 1 : 0;
    return this.bytes;
  }
}
