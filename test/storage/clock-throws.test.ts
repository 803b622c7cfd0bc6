/**
 * A `clock` whose now() (or monotonic()) throws (an app's clock port reading a native module that
 * is not loaded yet, a mock left unconfigured) escaped the client as that raw error, naming no
 * option: the constructor let it through, and start() threw it from the floored clock's first
 * reading. The constructor now reads both once and refuses such a clock with E_UNSUPPORTED naming
 * the option, the clock's error as cause, nothing opened.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { failure } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function optionsWith(clock: unknown): StorageClientOptions {
  const dir = tempDir();
  return { protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0, clock } as StorageClientOptions;
}

const broken = new Error("clock port not ready");

describe("a clock that throws", () => {
  test.each([
    ["now()", { now: () => { throw broken; } }, /its now\(\) threw: clock port not ready/, broken],
    ["monotonic()", { now: Date.now, monotonic: () => { throw broken; } }, /its monotonic\(\) threw: clock port not ready/, broken],
    ["now() throwing a non-Error", { now: () => { throw "nope"; } }, /its now\(\) threw: nope/, "nope"],
  ])("%s: E_UNSUPPORTED naming the option, with the clock's error as cause, before anything is opened", async (_label, clock, message, cause) => {
    const options = optionsWith(clock);
    // The constructor or start(): either way the layer's typed error, never the clock's own.
    const error = await failure(async () => {
      const client = new StorageClient(options);
      await client.start();
      await client.stop();
    });
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "clock" } });
    expect((error as Error).message).toMatch(/^storage client option clock/);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).cause).toBe(cause);
    expect(existsSync(options.statePath as string)).toBe(false);
  });

  test("monotonic() giving no number is refused so", () => {
    const options = optionsWith({ now: Date.now, monotonic: () => "soon" });
    const error = (() => {
      try {
        new StorageClient(options);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "clock" } });
    expect((error as Error).message).toMatch(/its monotonic\(\) gives the string "soon", not a number/);
  });
});

describe("a clock that throws after the constructor's reading", () => {
  test("start(): E_UNSUPPORTED naming the option, the clock's error as cause, and nothing held: the same folders start right after", async () => {
    const options = optionsWith(undefined);
    let readings = 0;
    const clock = {
      now: () => {
        readings += 1;
        if (readings > 1) throw broken;
        return Date.now();
      },
    };
    const error = await failure(() => new StorageClient({ ...options, clock }).start());
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "clock" } });
    expect((error as Error).message).toMatch(/^storage client option clock .*its now\(\) threw: clock port not ready/);
    expect((error as Error).cause).toBe(broken);
    const again = new StorageClient(options);
    await again.start();
    await again.stop();
  });

  test("while a share is journaled: the share is refused with the typed error, not a raw one", async () => {
    const options = optionsWith(undefined);
    let failing = false;
    const client = new StorageClient({
      ...options,
      clock: {
        now: () => {
          if (failing) throw broken;
          return Date.now();
        },
      },
    });
    await client.start();
    try {
      failing = true;
      const outcome = await failure(() => client.share({ bytes: Buffer.from("hello"), fileName: "a.txt" }).done);
      expect(outcome).toBeInstanceOf(StorageError);
      expect(outcome).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "clock" } });
      expect((outcome as Error).cause).toBe(broken);
    } finally {
      failing = false;
      await client.stop();
    }
  });
});
