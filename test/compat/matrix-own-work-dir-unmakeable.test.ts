import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { runMatrix, SchemaCheckError, type MatrixCheck } from "../../src/compat/index.js";
import { exitCodeFor, EXIT } from "../../src/cli/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("runMatrix() without workDir, when its own work folder cannot be made in the OS temp folder", () => {
  const before = process.env["TMPDIR"];
  afterEach(() => {
    if (before === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = before;
  });
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
    ["a TMPDIR naming nothing", "ENOENT", (dir: string) => join(dir, "missing")],
    ["a TMPDIR naming a file", "ENOTDIR", (dir: string) => (writeFileSync(join(dir, "file"), "x"), join(dir, "file"))],
  ])("%s: rejects with the compat layer's typed error E_WORK_DIR naming the folder and the OS code (%s), before any cell, and the CLI maps it to exit 4; it rejected with Node's raw error, which the CLI reports as an internal one (70)", async (_what, code, make) => {
    ran.length = 0;
    const parent = make(tempDir("scc-matrix-own-work-"));
    process.env["TMPDIR"] = parent;
    const error = await runMatrix({ checks: [recording] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaCheckError);
    const typed = error as SchemaCheckError;
    expect({ code: typed.code, layer: typed.layer, details: typed.details }).toEqual({ code: "E_WORK_DIR", layer: "compat", details: { path: parent, code } });
    expect(typed.message).toContain(`cannot make its work folder in ${parent} (${code})`);
    expect((typed.cause as NodeJS.ErrnoException).code).toBe(code);
    expect(ran).toEqual([]);
    expect(exitCodeFor(typed)).toBe(EXIT.STATE);
  });
});
