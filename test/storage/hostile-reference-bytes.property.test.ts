/**
 * Reference bytes as a broken or hostile peer may send them (truncated, extended, bit-flipped,
 * overwritten), into every storage client call that reads a reference: each reads them or refuses
 * with a StorageError, never a TypeError/RangeError from inside, never a crash or a hang.
 */
import { fc, test } from "@fast-check/vitest";
import { join } from "node:path";
import { describe } from "vitest";
import { StorageError, type StorageClient } from "../../src/storage/index.js";
import { encodeFileReference } from "../../src/wire/index.js";
import { tempDir } from "../support/temp-dir.js";
import { fileReference } from "../wire/support/arbitraries.js";
import { startClient } from "./support/client-fixture.js";

type Mutation =
  | { op: "truncate"; at: number }
  | { op: "extend"; extra: Uint8Array }
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.op === "truncate") out = out.subarray(0, m.at % out.length);
    else if (m.op === "extend") out = Uint8Array.from([...out, ...m.extra]);
    else if (m.op === "flip") out[m.at % out.length]! ^= 1 << m.bit;
    else out[m.at % out.length] = m.value;
  }
  return out;
}

/** Runs `call`; anything thrown or rejected but a StorageError fails the property, naming the call. */
async function onlyStorageErrors(name: string, call: () => unknown): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof StorageError)) throw new Error(`${name} threw ${(error as Error)?.stack ?? String(error)}`);
  }
}

describe("hostile reference bytes", () => {
  let client: StorageClient | undefined;

  test.prop(
    [
      fc.integer({ min: 2, max: 3 }).chain((v) => fileReference(v).map((view) => [v, view] as const)),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(Number.NaN)),
    ],
    { numRuns: 300 },
  )("fetch, fetchStream, status and release read mutated reference bytes or refuse them with a StorageError", async ([version, view], mutations, writtenWith) => {
    // One client for every run (started inside the test, so the fixture stops it when the test ends).
    client ??= (await startClient()).client;
    const c = client;
    const bytes = mutate(encodeFileReference(view, version), mutations);
    for (const input of [bytes, { bytes, writtenWith }]) {
      await onlyStorageErrors("fetchStream", () => c.fetchStream(input).return(undefined));
      await onlyStorageErrors("status", () => c.status(input));
      await onlyStorageErrors("release", () => c.release(input));
      await onlyStorageErrors("fetch", () => {
        const job = c.fetch(input, { out: join(tempDir(), "x.bin") });
        c.cancel(job.id);
        return job.done.catch((error: unknown) => {
          if (!(error instanceof StorageError)) throw error;
        });
      });
    }
  });
});
