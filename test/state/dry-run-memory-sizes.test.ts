/**
 * E_STATE_TOO_LARGE named both sizes in MiB with one decimal: a budget of 1KiB (or 0) read "more than
 * the 0.0 MiB it may use", and a budget a byte short of the file, the case a release engineer meets
 * when the file just outgrew it, read "(0.2 MiB), more than the 0.2 MiB it may use": the refusal
 * contradicted itself. Each size is now given in the unit that fits it (bytes, KiB, MiB, GiB), and
 * in bytes as well when the two would read the same.
 */
import { statSync } from "node:fs";
import { expect, test } from "vitest";
import { migrateState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

async function refusal(path: string, budget: number): Promise<string> {
  const outcome = await migrateState({ path, direction: "up", dryRun: true, dryRunMemoryBytes: budget }).then(
    () => "ran",
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(StateError);
  expect((outcome as StateError).code).toBe("E_STATE_TOO_LARGE");
  return (outcome as StateError).message;
}

test("a small budget is named as given: 0 bytes, 1.0 KiB, never 0.0 MiB", async () => {
  const path = copyFixture(2, tempDir());
  const size = statSync(path).size;
  expect(await refusal(path, 0)).toContain("more than the 0 bytes it may use");
  expect(await refusal(path, 1024)).toContain("more than the 1.0 KiB it may use");
  expect(await refusal(path, 1024)).toContain(`up to about the file's size, ${(size / 1024).toFixed(1)} KiB, more than`);
  expect(await refusal(path, 1024)).not.toContain("0.0 MiB");
});

test("a budget a byte short of the file: the two sizes read differently (in bytes)", async () => {
  const path = copyFixture(2, tempDir());
  const size = statSync(path).size;
  const message = await refusal(path, size - 1);
  const bytes = (n: number): string => n.toLocaleString("en-US");
  expect(message).toContain(`${bytes(size)} bytes)`);
  expect(message).toContain(`${bytes(size - 1)} bytes) it may use`);
});
