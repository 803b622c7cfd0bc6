/**
 * writeFixture is exported to embedders' tools (JavaScript ones too): without a `level` it wrote a
 * file all the same, at this build's newest level but filled only with settings rows (planRows
 * compared every table's level with undefined), and returned `level: undefined`; a level given as
 * text ("2", from a command line) was refused as "state level 2 is not one this build knows (1..3)",
 * which names a level the build does know (openState said the same). Both are E_STATE_LEVEL_UNKNOWN,
 * now saying what was given, and nothing is left at `out`.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { openState, StateError, writeFixture, type OpenStateOptions, type WriteFixtureOptions } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

async function refusal(options: Record<string, unknown>): Promise<StateError> {
  const error = await writeFixture(options as unknown as WriteFixtureOptions).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateError);
  return error as StateError;
}

test("writeFixture without a level is refused, and writes nothing", async () => {
  const dir = tempDir();
  const error = await refusal({ out: join(dir, "fixture.sqlite"), rows: 100 });
  expect(error.code).toBe("E_STATE_LEVEL_UNKNOWN");
  expect(error.message).toMatch(/level/);
  expect(error.message).toMatch(/undefined/);
  expect(existsSync(join(dir, "fixture.sqlite"))).toBe(false);
  expect(readdirSync(dir)).toEqual([]);
});

test("a level given as text is refused naming it as text, not as a level the build lacks", async () => {
  const dir = tempDir();
  const error = await refusal({ out: join(dir, "fixture.sqlite"), rows: 100, level: "2" });
  expect(error.code).toBe("E_STATE_LEVEL_UNKNOWN");
  expect(error.message).toMatch(/"2"/);
  expect(error.message).not.toMatch(/state level 2 is not one this build knows/);
  expect(readdirSync(dir)).toEqual([]);
});

test("a whole level still writes its fixture", async () => {
  const dir = tempDir();
  const summary = await writeFixture({ out: join(dir, "fixture.sqlite"), rows: 100, level: 2 });
  expect(summary.level).toBe(2);
  expect(Object.keys(summary.tables).length).toBeGreaterThan(1);
});

test("openState with a level given as text names it as text", async () => {
  const dir = tempDir();
  const error = await openState({ path: join(dir, "state.sqlite"), level: "2" } as unknown as OpenStateOptions).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateError);
  expect((error as StateError).code).toBe("E_STATE_LEVEL_UNKNOWN");
  expect((error as StateError).message).toMatch(/"2" is a string, not a number/);
  expect(readdirSync(dir)).toEqual([]);
});
