/**
 * A `clock` whose now() gives seconds (Date.now() / 1000, a common slip) was taken: the client's
 * timestamps were then January 1970, and every 30-day availability and renewal computation was
 * wrong (each expiry long past, every piece renewed at once, retention by the wrong ages). The
 * constructor now reads the clock once and refuses a reading no epoch-milliseconds clock gives today:
 * below 1e11 ms (1973-03-03; a seconds reading stays below 1e10 until the year 2286, and a clock in
 * ms since the process or device started, performance.now(), is below it too), at or above 1e14 ms
 * (the year 5138; microseconds read 1.7e15), or not a finite number (a Date); E_UNSUPPORTED naming
 * the option, nothing opened. A device clock reset to 1980 or 2000 (a dead battery) is still taken:
 * the floored clock handles it (test/storage/clock-set-back.test.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function optionsWith(clock: unknown): StorageClientOptions {
  const dir = tempDir();
  return { protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0, clock } as StorageClientOptions;
}

describe("a clock whose first reading is no epoch-milliseconds time", () => {
  test.each([
    ["seconds (Date.now() / 1000)", () => Date.now() / 1000, /reads 1\d{9}(\.\d+)? .*seconds/],
    ["whole seconds", () => Math.floor(Date.now() / 1000), /reads 1\d{9} .*seconds/],
    ["ms since start (performance.now())", () => performance.now(), /reads /],
    ["zero", () => 0, /reads 0 /],
    ["microseconds", () => Date.now() * 1000, /reads 1\d{15} /],
    ["a Date", () => new Date(), /gives an object, not a number/],
    ["NaN", () => Number.NaN, /reads NaN /],
  ])("%s: E_UNSUPPORTED naming the option, from the constructor, nothing created", (_label, now, message) => {
    const options = optionsWith({ now });
    const error = thrown(() => new StorageClient(options));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "clock" } });
    expect((error as Error).message).toMatch(/^storage client option clock/);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("milliseconds since 1970-01-01 UTC (Date.now())");
    expect(existsSync(options.statePath as string)).toBe(false);
  });

  test.each([
    ["a device reset to 1980 (GPS epoch)", Date.UTC(1980, 0, 6)],
    ["a device reset to 2000", Date.UTC(2000, 0, 1)],
    ["now", Date.now()],
  ])("%s is taken: the client starts", async (_label, t) => {
    const client = new StorageClient(optionsWith({ now: () => t }));
    await client.start();
    await client.stop();
  });
});
