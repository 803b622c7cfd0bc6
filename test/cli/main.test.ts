import { describe, expect, it } from "vitest";
import { runCli, runCliInProcess } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";

describe("status-compat CLI", () => {
  it("lists its commands on --help and exits 0", async () => {
    const r = await runCliInProcess(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("releases");
  });

  it("exits 2 on an unknown command or flag, with the reason on stderr", async () => {
    const unknown = await runCliInProcess(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
    const flag = await runCliInProcess(["releases", "--nope"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("E_USAGE");
  });

  it("prints the release table as JSON for machines", async () => {
    const r = await runCliInProcess(["releases", "--json"]);
    const parsed = JSON.parse(r.stdout) as { releases: Array<{ release: string }> };
    expect(parsed.releases.map((x) => x.release)).toEqual(["0.1.0", "0.2.0", "0.3.0"]);
  });

  it("runs as a real process with stdout for results", async () => {
    const r = await runCli(["releases"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0\.1\.0 +protocol 1/m);
  });
});

describe("exit statuses", () => {
  it("map each layer to its status, with input errors of the storage layer and static-check tool errors overridden by code", async () => {
    const { exitCodeFor, EXIT } = await import("../../src/cli/index.js");
    const { StorageError } = await import("../../src/storage/index.js");
    const { StateError } = await import("../../src/state/index.js");
    const { WireError } = await import("../../src/wire/index.js");
    const { SchemaCheckError } = await import("../../src/compat/index.js");
    expect(exitCodeFor(new StorageError("E_TIMEOUT", "t"))).toBe(EXIT.STORAGE);
    expect(exitCodeFor(new StorageError("E_INTEGRITY", "t"))).toBe(EXIT.BAD_INPUT);
    expect(exitCodeFor(new StorageError("E_BAD_REFERENCE", "t"))).toBe(EXIT.BAD_INPUT);
    expect(exitCodeFor(new StateError("E_STATE_FROM_FUTURE", "t"))).toBe(EXIT.STATE);
    expect(exitCodeFor(new WireError("E_WIRE_TRUNCATED", "t"))).toBe(EXIT.BAD_INPUT);
    expect(exitCodeFor(new SchemaCheckError("E_TOOL_MISSING", "t"))).toBe(EXIT.USAGE);
    expect(exitCodeFor(new Error("bug"))).toBe(EXIT.INTERNAL);
    // A bug a storage job caught and typed is still a bug.
    expect(exitCodeFor(new StorageError("E_INTERNAL", "t"))).toBe(EXIT.INTERNAL);
    expect(exitCodeFor(new StorageError("E_LOCAL_IO", "t"))).toBe(EXIT.STORAGE);
  });

  it("a build whose own migrations break their rules is a bug (70, 'please report it'); it exited 4 ('the state database refused': the user went looking at a good file)", async () => {
    const { exitCodeFor, EXIT } = await import("../../src/cli/index.js");
    const { StateError } = await import("../../src/state/index.js");
    expect(exitCodeFor(new StateError("E_STATE_INVALID_MIGRATION", "t"))).toBe(EXIT.INTERNAL);
    // What the state layer says of the user's file keeps its status.
    expect(exitCodeFor(new StateError("E_STATE_CORRUPT", "t"))).toBe(EXIT.STATE);
  });
});

describe("command groups", () => {
  it("`file --help` (and `file -h`, `help file`) lists the file commands with their synopsis and exits 0; a bare or unknown `file` subcommand lists them on stderr and exits 2", async () => {
    for (const args of [["file", "--help"], ["file", "-h"], ["help", "file"]]) {
      const r = await runCliInProcess(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).not.toContain("unknown command");
      expect(r.stdout).toContain("status-compat file put PATH");
      expect(r.stdout).toContain("status-compat file get BASE64 --out PATH");
      expect(r.stdout).toContain("status-compat file put --help");
    }
    for (const args of [["file"], ["file", "nope"]]) {
      const r = await runCliInProcess(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("status-compat file put PATH");
      expect(r.stderr).toContain("status-compat file get BASE64 --out PATH");
    }
  });
});

describe("a reader that goes away", () => {
  it("stdout closed before the result is written (`| head`, a consumer that died) ends with 141 and one line, not Node's crash report and status 1 ('a check failed')", async () => {
    const { spawn } = await import("node:child_process");
    const { PROJECT_ROOT } = await import("../support/cli.js");
    const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), "releases"], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    // Our end of the pipe goes before the child writes: its write fails with EPIPE.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
    expect({ code, signal }, stderr).toEqual({ code: 141, signal: null });
    expect(stderr).not.toContain("node:events");
    expect(stderr.trimEnd().split("\n")).toEqual(["status-compat: stdout was closed before the output was written (EPIPE)"]);
  });

  it("stderr closed (the progress and logs' reader went away) costs only what would have gone there: the command finishes, prints its result and exits 0", async () => {
    const { spawn } = await import("node:child_process");
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { PROJECT_ROOT } = await import("../support/cli.js");
    const { tempDir } = await import("../support/temp-dir.js");
    const home = tempDir("scc-stderr-closed-");
    const source = join(home, "f.bin");
    writeFileSync(source, Buffer.alloc(64 * 1024, 7));
    const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), "file", "put", source, "--home", home], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      // Logs at info: the client writes to stderr while it runs.
      env: { ...process.env, STATUS_COMPAT_LOG_LEVEL: "info" },
    });
    child.stderr.destroy();
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(JSON.parse(stdout)).toMatchObject({ base64: expect.any(String) });
  });
});

describe("an option given twice", () => {
  it("with two values is a usage error (exit 2) naming it, before anything is touched; the last one won silently (migrate up --db a --db b migrated b)", async () => {
    const { tempDir } = await import("../support/temp-dir.js");
    const { existsSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dir = tempDir();
    const [a, b] = [join(dir, "a.sqlite"), join(dir, "b.sqlite")];
    const r = await runCliInProcess(["migrate", "up", "--db", a, "--db", b]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[E_USAGE\]: migrate: --db is given twice/);
    expect(existsSync(a) || existsSync(b)).toBe(false);
    const format = await runCliInProcess(["matrix", "--only", "wire", "--format", "json", "--format", "html"]);
    expect(format.code, format.stderr).toBe(2);
    expect(format.stdout).toBe("");
    // The same value twice (a script adding a default the user also gave) and a repeated switch are harmless.
    const same = await runCliInProcess(["migrate", "status", "--db", a, "--db", a, "--json", "--json"]);
    expect(same.code, same.stderr).toBe(0);
  });
});
