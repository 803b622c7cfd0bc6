/**
 * docs/storage.md (Defaults) and the README (Errors): an option out of range, retry overrides
 * included, is a RangeError naming it from start(), before any lock or file is touched. A client
 * refused for a typo in its retry policy created the data directory and the state database, and
 * migrated an existing one to its own level, before it said so.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore } from "./support/client-fixture.js";

describe("an option out of range is refused before anything is touched", () => {
  const refused: Array<[string, Partial<StorageClientOptions>, RegExp]> = [
    ["a retry override (maxAttempts 0)", { retry: { maxAttempts: 0 } }, /maxAttempts/],
    ["a retry override (deadlineMs past a timer's range)", { retry: { deadlineMs: 2 ** 31 } }, /deadlineMs/],
    ["a client option (jobsInFlight 0)", { jobsInFlight: 0 }, /jobsInFlight/],
  ];
  test.each(refused)("%s: RangeError naming it; no state database, data directory or lock file made", async (_name, option, named) => {
    const dir = tempDir("scc-refused-");
    const statePath = join(dir, "state.sqlite");
    const dataDir = join(dir, "data");
    const start = StorageClient.open({ protocol: 3, backend: localStore(join(dir, "store")), statePath, dataDir, renewEveryMs: 0, ...option });
    const error = await start.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(named);
    expect(existsSync(statePath), "state database").toBe(false);
    expect(existsSync(`${statePath}.client-lock`), "state lock").toBe(false);
    expect(existsSync(dataDir), "data directory").toBe(false);
  });
});

describe("a data directory or state path that is no path is refused, naming the option, before anything is touched", () => {
  // A setting read from the environment or a file: unset (undefined), empty, or of another type.
  const refused: Array<[string, Record<string, unknown>, string]> = [
    ["dataDir undefined", { dataDir: undefined }, "dataDir"],
    ["dataDir empty (was the working folder, filled with the cache, spool and lock)", { dataDir: "" }, "dataDir"],
    ["dataDir a number", { dataDir: 42 }, "dataDir"],
    ["statePath empty, no state", { statePath: "  " }, "statePath"],
    ["statePath a number, no state", { statePath: 7 }, "statePath"],
  ];
  test.each(refused)("%s: E_UNSUPPORTED naming it and what it is for", async (_name, option, named) => {
    const dir = tempDir("scc-refused-");
    const statePath = join(dir, "state.sqlite");
    const dataDir = join(dir, "data");
    const options = { protocol: 3, backend: localStore(join(dir, "store")), statePath, dataDir, renewEveryMs: 0, ...option } as unknown as StorageClientOptions;
    // Before, Node's TypeError ('The "paths[0]" argument must be of type string') from start(), naming neither option.
    const error = await StorageClient.open(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: named } });
    expect((error as Error).message).toContain(`options.${named}`);
    expect(existsSync(statePath), "state database").toBe(false);
    expect(existsSync(dataDir), "data directory").toBe(false);
  });
});
