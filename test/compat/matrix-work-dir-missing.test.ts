import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runMatrix, type MatrixCheck } from "../../src/compat/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("runMatrix({ workDir }) given a folder that is not there", () => {
  const ran: string[] = [];
  const recording: MatrixCheck = {
    column: "state",
    proves: "records that it ran",
    async run({ workDir }) {
      ran.push(workDir);
      return { status: "pass", detail: "ok" };
    },
  };

  test.each([
    ["a path to nothing", (dir: string) => join(dir, "missing")],
    ["a file", (dir: string) => (writeFileSync(join(dir, "file"), "x"), join(dir, "file"))],
  ])("%s: rejects saying the work folder must be an existing folder, before any cell runs; every cell failed on it (E_STATE_IO, no such folder), a report of broken pairs for a bad option", async (_what, make) => {
    ran.length = 0;
    const workDir = make(tempDir("scc-matrix-work-missing-"));
    await expect(runMatrix({ checks: [recording], workDir })).rejects.toThrow(
      new RangeError(`workDir must be an existing folder; ${workDir} is not one (make it first, or leave workDir out for a folder of the run's own)`),
    );
    expect(ran).toEqual([]);
  });
});
