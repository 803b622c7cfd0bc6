import { createHash } from "node:crypto";
import type { BackendCallOptions, GetResult, PutOptions, StorageBackend } from "../../../src/storage/backend.js";
import { StorageError } from "../../../src/storage/storage-error.js";
import { ForwardingBackend } from "./forwarding-backend.js";

async function collect(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (bytes.byteLength > 0) yield bytes;
}

/**
 * A real backend with a window onto it: counts calls, records the sha256 of every body put, and
 * can be told to fail, or to serve altered bytes, for chosen CIDs. Used to prove what the client
 * sends (resume never re-sends) and how it reacts (failover, integrity).
 */
export class InstrumentedBackend extends ForwardingBackend {
  puts = 0;
  gets = 0;
  readonly putDigests: string[] = [];
  /** When set, called before each put/get (with the call's signal, for a wait that honours it as a real store does); a throw is the call's failure. */
  beforePut: ((bytes: Buffer, signal: AbortSignal | undefined) => void | Promise<void>) | undefined;
  beforeGet: ((cid: string) => void | Promise<void>) | undefined;
  /** When set, called once the inner store took a put's bytes; a throw is the call's failure, the bytes staying stored (a crash between the store and the journal). */
  afterPut: ((bytes: Buffer) => void | Promise<void>) | undefined;
  /** When set, get serves what this returns instead of the stored bytes. */
  alterGet: ((cid: string, bytes: Buffer) => Buffer) | undefined;

  constructor(inner: StorageBackend, name?: string) {
    super(inner, name === undefined ? {} : { location: name });
  }

  override async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
    this.puts++;
    const bytes = await collect(body);
    this.putDigests.push(createHash("sha256").update(bytes).digest("hex"));
    await this.beforePut?.(bytes, options?.signal);
    const cid = await this.inner.put(bytes, options);
    await this.afterPut?.(bytes);
    return cid;
  }

  override async get(cid: string, options?: BackendCallOptions): Promise<GetResult> {
    this.gets++;
    await this.beforeGet?.(cid);
    const got = await this.inner.get(cid, options);
    if (this.alterGet === undefined) return got;
    const altered = this.alterGet(cid, await collect(got.body));
    return { size: altered.byteLength, body: once(altered) };
  }
}

export function unreachable(location: string): StorageError {
  return new StorageError("E_BACKEND_UNREACHABLE", `${location} refused the connection (test)`);
}
