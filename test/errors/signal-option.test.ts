/**
 * The entry points that take a `signal` (state, compat) read it as `signal?.aborted === true` and
 * hand it to Node's timers: given the AbortController itself (the likeliest slip: `{ signal:
 * controller }`) or any other value, a cancel never reached them (openState ran on, runMatrix failed
 * with Node's raw "addEventListener is not a function", a wait for a lock with ERR_INVALID_ARG_TYPE
 * naming no option). Each refuses it at the call now, with a TypeError naming the entry point and
 * the option, as the storage client's calls do (with its own StorageError).
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSchemaChain, runMatrix } from "../../src/compat/index.js";
import { acquireMigrationLock, migrateState, openState, rehearseUpgrade, writeFixture } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { failure } from "../support/thrown.js";

describe("a signal option that is no AbortSignal", () => {
  const controller = new AbortController();
  const entries: readonly [string, (signal: unknown, dir: string) => unknown][] = [
    ["openState", (signal, dir) => openState({ path: join(dir, "state.sqlite"), signal } as never)],
    ["migrateState", (signal, dir) => migrateState({ path: join(dir, "state.sqlite"), signal } as never)],
    ["rehearseUpgrade", (signal, dir) => rehearseUpgrade({ path: join(dir, "state.sqlite"), from: "0.2.0", to: "0.3.0", signal } as never)],
    ["writeFixture", (signal, dir) => writeFixture({ out: join(dir, "state.sqlite"), level: 1, signal } as never)],
    ["acquireMigrationLock", (signal, dir) => acquireMigrationLock(join(dir, "state.sqlite"), { signal } as never)],
    ["runMatrix", (signal) => runMatrix({ signal } as never)],
    ["checkSchemaChain", (signal) => checkSchemaChain([], { signal } as never)],
  ];

  for (const [entry, call] of entries) {
    it(`${entry}: the AbortController itself is refused, saying to pass controller.signal, before anything is written`, async () => {
      const dir = tempDir();
      const error = await failure(() => call(controller, dir));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`${entry} option signal must be an AbortSignal, not an AbortController: pass its signal (controller.signal)`);
      expect(existsSync(join(dir, "state.sqlite"))).toBe(false);
    });

    it(`${entry}: a value that is no signal at all is refused naming it`, async () => {
      const error = await failure(() => call("abort", tempDir()));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`${entry} option signal must be an AbortSignal (controller.signal), not the string "abort"`);
    });
  }

  it("an AbortSignal, and a signal left undefined, are taken as before", async () => {
    const dir = tempDir();
    const state = await openState({ path: join(dir, "state.sqlite"), signal: controller.signal });
    state.close();
    expect(existsSync(join(dir, "state.sqlite"))).toBe(true);
    const again = await openState({ path: join(dir, "state.sqlite"), signal: undefined });
    expect(again.level).toBeGreaterThan(0);
    again.close();
  });
});
