import { cpSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SchemaCheckReport } from "../../src/compat/index.js";
import { runCli, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const broken = (name: string, side: string): string => join("fixtures", "broken", name, side);
const pairArgs = (name: string): string[] => ["schema", "check", "--old", broken(name, "old"), "--new", broken(name, "new")];

describe("status-compat schema check", () => {
  it("exits 0 on the project's versions, pair by pair and as a chain", async () => {
    const all = await runCliInProcess(["schema", "check", "--all"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("v1 -> v2 [proto/status/storage/v1 -> proto/status/storage/v2]: clean");
    expect(all.stdout).toContain("v2 -> v3 [proto/status/storage/v2 -> proto/status/storage/v3]: clean");
    expect(all.stdout).toContain("chain v1 -> v2 -> v3: clean");
    expect(all.stdout).toMatch(/^OK: no breaking change$/m);
    const one = await runCliInProcess(["schema", "check", "--from", "2", "--to", "3", "--json"]);
    expect(one.code).toBe(0);
    const report = JSON.parse(one.stdout) as SchemaCheckReport;
    expect(report.pairs.map((p) => [p.old.label, p.new.label])).toEqual([["v2", "v3"]]);
    expect(report.chain).toBeUndefined();
    const span = JSON.parse((await runCliInProcess(["schema", "check", "--from", "1", "--to", "3", "--json"])).stdout) as SchemaCheckReport;
    expect(span.chain).toEqual(["v1", "v2", "v3"]);
  });

  it("exits 1 on a breaking change and prints one JSON document of findings with relative paths", async () => {
    const r = await runCliInProcess([...pairArgs("field-deleted-unreserved"), "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as SchemaCheckReport;
    expect(Object.keys(report).sort()).toEqual(["counts", "findings", "ok", "pairs"]);
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ errors: 4, warnings: 0 });
    expect(report.pairs[0]).toEqual({
      old: { label: "old", dir: broken("field-deleted-unreserved", "old") },
      new: { label: "new", dir: broken("field-deleted-unreserved", "new") },
      buf: "ran",
    });
    for (const f of report.findings) {
      expect(Object.keys(f).sort()).toEqual(["between", "field", "file", "line", "message", "rule", "scope", "severity", "source", "symbol"]);
      expect(isAbsolute(f.file)).toBe(false);
      expect(f.file).toBe(join(broken("field-deleted-unreserved", "new"), "attachment.proto"));
      expect(f).toMatchObject({ severity: "error", field: "thumbnail", symbol: "status.storage.InlineAttachment", line: 6 });
    }
    expect(report.findings.map((f) => `${f.source}:${f.rule}`)).toContain("project:FIELD_REMOVED_NAME_NOT_RESERVED");
  });

  it("prints each finding for people, with file:line, rule and source", async () => {
    const r = await runCliInProcess(pairArgs("signedness-change"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(broken("signedness-change", "new"), "envelope.proto")}:27  FIELD_SIGNEDNESS_CHANGED (project)`);
    expect(r.stdout).toMatch(/^BREAKING: 1 error, 0 warnings$/m);
    expect(r.stderr).toBe("");
  });

  it("exits 0 on warnings, and 1 with --strict", async () => {
    const relaxed = await runCliInProcess(pairArgs("presence-change"));
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toContain("1 warning to review");
    expect((await runCliInProcess([...pairArgs("presence-change"), "--strict"])).code).toBe(1);
  });

  it("checks another folder of vN versions with --root, chain rules included", async () => {
    const r = await runCliInProcess(["schema", "check", "--all", "--root", join("fixtures", "broken", "number-reused-across-chain"), "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as SchemaCheckReport;
    expect(report.chain).toEqual(["v1", "v2", "v3", "v4"]);
    expect(new Set(report.findings.map((f) => f.scope))).toEqual(new Set(["chain"]));
  });

  it("names a file in a folder of the working folder whose name starts with two dots (..schemas/) relatively, as typed", async () => {
    // path.relative()'s "..schemas/new" read as a step up printed the absolute path, unlike its neighbours'.
    const cwd = tempDir();
    for (const side of ["old", "new"]) cpSync(broken("signedness-change", side), join(cwd, "..schemas", side), { recursive: true });
    const args = ["schema", "check", "--old", join("..schemas", "old"), "--new", join("..schemas", "new")];
    const text = await runCliInProcess(args, process.env, cwd);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`old -> new [${join("..schemas", "old")} -> ${join("..schemas", "new")}]: 1 error, 0 warnings`);
    expect(text.stdout).toContain(`  error   ${join("..schemas", "new", "envelope.proto")}:27  FIELD_SIGNEDNESS_CHANGED (project)`);
    const report = JSON.parse((await runCliInProcess([...args, "--json"], process.env, cwd)).stdout) as SchemaCheckReport;
    expect(report.pairs[0]?.new.dir).toBe(join("..schemas", "new"));
    expect(report.findings.map((f) => f.file)).toEqual([join("..schemas", "new", "envelope.proto")]);
  });

  it.each([
    [[], "choose one of"],
    [["--all", "--from", "1", "--to", "2"], "choose one of"],
    [["--old", "proto/status/storage/v1"], "--old and --new go together"],
    [["--from", "2", "--to", "1"], "must be newer"],
    [["--from", "one", "--to", "2"], "takes a protocol version"],
    [["--old", "a", "--new", "b", "--root", "c"], "--root goes with"],
    [["--all", "--frobnicate"], "E_USAGE"],
  ])("exits 2 on bad usage: %j", async (args, says) => {
    const r = await runCliInProcess(["schema", "check", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(says);
    expect(r.stdout).toBe("");
  });

  it("exits 2 with E_TOOL_MISSING when buf is not where it is told to look, by flag or environment", async () => {
    const nowhere = join(tempDir(), "buf");
    const flag = await runCliInProcess(["schema", "check", "--all", "--buf", nowhere]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("error[E_TOOL_MISSING]");
    const env = await runCliInProcess(["schema", "check", "--all"], { ...process.env, STATUS_COMPAT_BUF: nowhere });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("E_TOOL_MISSING");
  });

  it("exits 2 when a folder is missing or a version does not exist", async () => {
    const missing = await runCliInProcess(["schema", "check", "--old", "proto/status/storage/v1", "--new", "proto/status/storage/v9"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("E_SCHEMA_DIR_INVALID");
    const version = await runCliInProcess(["schema", "check", "--from", "3", "--to", "4"]);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain("no folder v4");
  });

  it("runs as a real process: exit 1 and parseable JSON on stdout", async () => {
    const r = await runCli([...pairArgs("required-dropped-for-older-reader"), "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as SchemaCheckReport;
    expect(report.findings.map((f) => f.rule)).toEqual(["REQUIRED_FIELD_DROPPED_FOR_OLDER_READER"]);
  });
});
