/**
 * `state fixture --out DIR` where DIR is an existing folder: the user gave a folder where the file
 * goes, as matrix --out and file get --out take it (a usage error naming it, exit 2). It was the state
 * layer's "DIR already exists; fixtures never overwrite a file", exit 4 ("state refused"), which
 * called the folder a file and sent the user looking at a database that is not there.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("state fixture --out naming an existing folder", () => {
  test("is a usage error (exit 2) saying it is a folder, and writes nothing in it", async () => {
    const dir = tempDir("scc-cli-fixture-out-folder-");
    const folder = join(dir, "fixtures");
    mkdirSync(folder);

    const r = await runCliInProcess(["state", "fixture", "--release", "0.2.0", "--rows", "10", "--out", folder]);

    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--out ${folder} is a folder`);
    // The example is a state file's name, not file get's file.bin.
    expect(r.stderr).toContain(`e.g. --out ${join(folder, "state.sqlite")}`);
    expect(r.stderr).toContain("Nothing was written.");
    expect(r.stdout).toBe("");
    expect(readdirSync(folder)).toEqual([]);
  });

  test("a path ending with / names a folder: the example is a state file in it too", async () => {
    const dir = tempDir("scc-cli-fixture-out-folder-");
    const r = await runCliInProcess(["state", "fixture", "--release", "0.2.0", "--rows", "10", "--out", `${dir}/`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`e.g. --out ${join(dir, "state.sqlite")}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("an existing file stays the state layer's refusal (exit 4, E_STATE_IO): fixtures never overwrite a file", async () => {
    const dir = tempDir("scc-cli-fixture-out-folder-");
    const file = join(dir, "state.sqlite");
    writeFileSync(file, "not mine to replace");

    const r = await runCliInProcess(["state", "fixture", "--release", "0.2.0", "--rows", "10", "--out", file]);

    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain("E_STATE_IO");
  });

  test("migrate up --db DIR/ (a state file it would create) suggests a state file in it as well", async () => {
    const dir = tempDir("scc-cli-fixture-out-folder-");
    const r = await runCliInProcess(["migrate", "up", "--db", `${join(dir, "new")}/`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`e.g. --db ${join(dir, "new", "state.sqlite")}`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
