import type { PutOptions } from "../../../src/storage/backend.js";
import { InstrumentedBackend } from "./instrumented-backend.js";

/** An InstrumentedBackend that records the CIDs its puts return, so a receiver's gets can be told apart by file. */
export class RecordingBackend extends InstrumentedBackend {
  readonly cids: string[] = [];

  override async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
    const cid = await super.put(body, options);
    this.cids.push(cid);
    return cid;
  }

  /** The CIDs put while `share` ran (one file's pieces and its manifest, when shared alone). */
  async putDuring<T>(share: () => Promise<T>): Promise<{ result: T; cids: Set<string> }> {
    const from = this.cids.length;
    const result = await share();
    return { result, cids: new Set(this.cids.slice(from)) };
  }
}
