/**
 * `protocol`, `state` and `profile` given as what a settings file or a slip gives: the protocol as
 * text ("3"), a database's path for `state` (the option is `statePath`), a release's name for
 * `profile`. Before, "3" was refused as "no release speaks protocol 3" (protocol 3 is this build's
 * newest), a path for `state` failed start() with Node's raw TypeError "Cannot read properties of
 * undefined (reading 'open')", and "0.3.0" for `profile` was said to be "a profile of" another
 * protocol than 3.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { VersionError } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function options(extra: Record<string, unknown>): StorageClientOptions {
  const dir = tempDir();
  return { protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0, ...extra } as StorageClientOptions;
}

describe("protocol, state and profile of the wrong kind", () => {
  test("protocol as text is refused as text, naming the protocols there are; an unknown number names them too", () => {
    const text = thrown(() => new StorageClient(options({ protocol: "3" })));
    expect(text).toBeInstanceOf(VersionError);
    expect(text).toMatchObject({ code: "E_PROTOCOL_UNKNOWN" });
    expect((text as Error).message).toBe('a protocol is a number (the release table\'s: 1, 2, 3), not the string "3"');
    const unknown = thrown(() => new StorageClient(options({ protocol: 4 })));
    expect((unknown as Error).message).toBe("no release speaks protocol 4 (the release table's protocols: 1, 2, 3)");
  });

  test("a path for state is E_UNSUPPORTED naming the option and pointing at statePath, before anything is touched", async () => {
    const client = new StorageClient(options({ state: "state.sqlite" }));
    const error = await client.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "state" } });
    expect((error as Error).message).toBe(
      'storage client option state must be a state handle (openState({ path, level })), not the string "state.sqlite"; for the database\'s path, pass options.statePath',
    );
  });

  test("a release's name for profile is a RangeError saying what a profile is", () => {
    const error = thrown(() => new StorageClient(options({ profile: "0.3.0" })));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('options.profile must be a release\'s profile (profileForRelease("0.3.0"), or releaseProfile(row, table)), not the string "0.3.0"');
    // A profile of another protocol is still said as before.
    expect((thrown(() => new StorageClient(options({ protocol: 2, profile: { protocol: 3 } }))) as Error).message).toBe("options.profile (protocol 3) must be a profile of options.protocol (2)");
  });
});
