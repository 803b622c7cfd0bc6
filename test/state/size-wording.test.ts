/**
 * Sizes in the state layer's words: one formatter (src/state/size-text.ts) for the dry run's memory
 * refusal, the rehearsal's work-folder and disk-room refusals and its source line. The work folder's
 * refusal wrote MiB alone: a folder with 40 KiB free, too little for a 60 KiB copy, read "has 0.0 MiB
 * free, and the rehearsal's copy … needs 0.1 MiB", and one a few bytes short read as much as it needed.
 */
import { statSync } from "node:fs";
import { expect, test } from "vitest";
import { rehearseUpgrade, workFolderRoomText } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

const room = (freeBytes: number, neededBytes: number): string =>
  workFolderRoomText("the work folder /w", { workDir: "/w", freeBytes, neededBytes }, "/db/state.sqlite", "pass another workDir");

test("a work folder with little room names both sizes in the unit that fits them, never 0.0 MiB", () => {
  const text = room(40 * 1024, 60 * 1024);
  expect(text).toContain("the work folder /w has 40.0 KiB free, and the rehearsal's copy of /db/state.sqlite needs 60.0 KiB there");
  expect(room(512, 4096)).toContain("has 512 bytes free, and the rehearsal's copy of /db/state.sqlite needs 4.0 KiB there");
});

test("a work folder a byte short of the copy: the two sizes read differently (in bytes)", () => {
  const needed = 3 * 2 ** 20 + 12_345;
  expect(room(needed - 1, needed)).toContain(
    `has 3.0 MiB (${(needed - 1).toLocaleString("en-US")} bytes) free, and the rehearsal's copy of /db/state.sqlite needs 3.0 MiB (${needed.toLocaleString("en-US")} bytes) there`,
  );
});

test("the rehearsal's source line gives a small file's size in KiB", async () => {
  const path = copyFixture(1, tempDir());
  const size = statSync(path).size;
  expect(size).toBeLessThan(2 ** 20);
  const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", workDir: tempDir() });
  expect(report.checks.find((c) => c.id === "source")?.detail).toBe(`${(size / 1024).toFixed(1)} KiB, usable by 0.1.0`);
});
