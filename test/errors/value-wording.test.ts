/**
 * A wrong value is worded by describedValue in every layer. Some messages wrote it by hand: the
 * storage client's mode and maxBytes of a decode said an object as "[object Object]" and a bigint
 * by its digits, dataDir/statePath named a number only "number", a put answered with null said
 * "a null", share() said "bytes of type ArrayBuffer" and a fileName of 42 "number". describedValue
 * names a class's instance by its class ("an ArrayBuffer of 4 bytes", "a Date", "a Promise") and
 * quotes at most 80 characters of a string.
 */
import { describe, expect, test } from "vitest";
import { checkParams, chunkCount } from "../../src/crypto/index.js";
import { describedValue } from "../../src/errors/index.js";
import { chooseAttachment, peerAudience } from "../../src/negotiate/index.js";
import { inspectState, writeFixture } from "../../src/state/index.js";
import { lockTimeoutOf } from "../../src/state/migration-lock.js";
import { busyTimeoutOf } from "../../src/state/open-state.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { decodeReference } from "../../src/storage/reference-codec.js";
import { requireCid } from "../../src/storage/backends/codex/cid-text.js";
import { digestOfCid } from "../../src/storage/content-id.js";
import { checkShareInput } from "../../src/storage/share-checks.js";
import { checkPutAnswer } from "../../src/storage/upload/put-answer.js";
import type { StorageBackend } from "../../src/storage/backend.js";
import { decodeFileReference } from "../../src/wire/index.js";
import { failure, thrown } from "../support/thrown.js";

const WRONG: readonly unknown[] = ["lite", null, -1, 5n, {}, [1], new ArrayBuffer(4), new Date(0)];
const message = (run: () => unknown): string => (thrown(run) as Error).message;

describe("describedValue", () => {
  test("names an instance by its class, a plain object as an object", () => {
    expect(describedValue(new ArrayBuffer(4))).toBe("an ArrayBuffer of 4 bytes");
    expect(describedValue(new Date(0))).toBe("a Date");
    expect(describedValue(Promise.resolve(1))).toBe("a Promise");
    expect(describedValue(new Map())).toBe("a Map");
    expect(describedValue({})).toBe("an object");
    expect(describedValue(Object.create(null))).toBe("an object");
    expect(describedValue(Buffer.from("abc"))).toBe("a Buffer of 3 bytes");
  });

  test("quotes at most 80 characters of a string", () => {
    expect(describedValue("x".repeat(80))).toBe(`the string "${"x".repeat(80)}"`);
    expect(describedValue("y".repeat(5000))).toBe(`the string "${"y".repeat(80)}…"`);
  });
});

describe("messages that word a wrong value", () => {
  test("storage client option mode", () => {
    for (const mode of WRONG) {
      expect(message(() => new StorageClient({ protocol: 3, mode } as unknown as StorageClientOptions))).toMatch(new RegExp(`or "light", not ${escape(describedValue(mode))}$`));
    }
  });

  test("the storage client's dataDir and statePath", () => {
    // Refused in the constructor, before the backend is used.
    const noop = (): never => {
      throw new Error("not used");
    };
    const backend = { kind: "test", location: "nowhere", put: noop, get: noop, has: noop, delete: noop, space: noop, close: noop };
    const client = (options: Record<string, unknown>) => () => new StorageClient({ protocol: 3, backend, statePath: "s.sqlite", dataDir: "d", ...options } as unknown as StorageClientOptions);
    for (const value of WRONG.filter((v) => v !== "lite")) {
      expect(message(client({ dataDir: value }))).toMatch(new RegExp(`it was given ${escape(describedValue(value))}$`));
      expect(message(client({ statePath: value }))).toMatch(new RegExp(`it was given statePath ${escape(describedValue(value))}$`));
    }
    expect(message(client({ dataDir: " " }))).toMatch(/it was given the string " "$/);
  });

  test("a decode's maxBytes", () => {
    for (const value of WRONG.filter((v) => v !== null)) {
      expect(message(() => decodeFileReference(new Uint8Array(1), 3, { maxBytes: value } as never))).toMatch(new RegExp(`not ${escape(describedValue(value))}$`));
    }
  });

  test("a piece's put answered with no CID text", () => {
    const backend = { kind: "app-store", location: "app-store:1" } as StorageBackend;
    for (const cid of [...WRONG, undefined, "z".repeat(300)]) {
      expect(message(() => checkPutAnswer(backend, cid, "put of piece 0"))).toContain(`answered the put of piece 0 with ${describedValue(cid)}, which a FileReference cannot carry`);
    }
  });

  test("a CID that is no CID text (the client's and the Codex backend's)", () => {
    for (const value of [...WRONG.filter((v) => v !== "lite"), "not-a-cid", "z".repeat(300)]) {
      expect(message(() => digestOfCid(value, "fetch"))).toContain(`Cannot fetch: ${describedValue(value)} is not a CID`);
      expect(message(() => requireCid(value, "fetch"))).toContain(`Cannot fetch: ${describedValue(value)} is not a CID`);
    }
  });

  test("share() given bytes, a path or a fileName that is no such thing", () => {
    for (const value of WRONG.filter((v) => v !== null)) {
      expect(message(() => checkShareInput({ bytes: value, fileName: "a.txt" }))).toMatch(new RegExp(`it was given bytes as ${escape(describedValue(value))}$`));
    }
    for (const value of WRONG.filter((v) => typeof v !== "string" && v !== null)) {
      expect(message(() => checkShareInput({ path: value }))).toMatch(new RegExp(`it was given a path as ${escape(describedValue(value))}$`));
      expect(message(() => checkShareInput({ path: "a.txt", fileName: value }))).toMatch(new RegExp(`option fileName must be a string, not ${escape(describedValue(value))}$`));
    }
    expect(message(() => checkShareInput(new Uint8Array(3)))).toContain("it was given the bytes themselves (a Uint8Array of 3 bytes), not an object holding them");
  });
});

describe("the same wording in the negotiate and state layers and a reference's writtenWith", () => {
  const cases = WRONG.filter((v) => typeof v !== "number" && v !== null);

  test("chooseAttachment's inlineMaxBytes", () => {
    const v1 = { min: 1, max: 1 };
    for (const value of cases) {
      expect(message(() => chooseAttachment(v1, peerAudience(v1), 10, { inlineMaxBytes: value } as never))).toMatch(new RegExp(`not ${escape(describedValue(value))}$`));
    }
  });

  test("lockTimeoutMs, busyTimeoutMs, and writeFixture's rows and seed", async () => {
    for (const value of cases) {
      const said = new RegExp(`not ${escape(describedValue(value))}$`);
      expect(message(() => lockTimeoutOf(value as never))).toMatch(said);
      expect(message(() => busyTimeoutOf(value as never))).toMatch(said);
      expect(((await failure(() => writeFixture({ out: "unused.sqlite", level: 1, rows: value } as never))) as Error).message).toMatch(said);
      expect(((await failure(() => writeFixture({ out: "unused.sqlite", level: 1, rows: 1, seed: value } as never))) as Error).message).toMatch(said);
    }
  });

  test("a reference's writtenWith", () => {
    for (const value of [...cases.filter((v) => typeof v !== "string"), "three"]) {
      expect(message(() => decodeReference({ bytes: new Uint8Array(1), writtenWith: value } as never, 3))).toContain(`it was ${describedValue(value)}. Pass the bytes alone`);
    }
  });
});

describe("the crypto layer's sizes and inspectState's catalog", () => {
  test("a plaintext size or a chunk size that is no number", () => {
    const params = { key: new Uint8Array(32), noncePrefix: new Uint8Array(7) };
    for (const value of ["1024", null, {}, [1024], 5n]) {
      const said = new RegExp(`not ${escape(describedValue(value))}$`);
      expect(message(() => chunkCount(value as never, 1024))).toMatch(said);
      expect(message(() => chunkCount(10, value as never))).toMatch(said);
      expect(message(() => checkParams({ ...params, chunkSize: value } as never))).toMatch(said);
    }
  });

  test("inspectState's second argument that is no catalog (an options object is said as such)", () => {
    for (const value of ["catalog", 3, [1]]) {
      expect(message(() => inspectState("unused.sqlite", value as never))).toContain(`not ${describedValue(value)}; its options go third`);
    }
    expect(message(() => inspectState("unused.sqlite", { workDir: "w" } as never))).toContain("not an object that is not one; its options go third");
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
