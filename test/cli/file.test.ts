import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { journalRows, PROJECT_ROOT, runCli, runCliInProcess, spawnCollecting, startCli, type StartedCli } from "../support/cli.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

interface PutOutput {
  base64: string;
  protocol: number;
  fileName: string;
  plaintextSize: number;
  plaintextSha256: string;
  pieces: { cid: string; size: number; sha256: string }[];
  expiresAt?: number;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function setup(size = 300_000) {
  const dir = tempDir("scc-cli-file-");
  const bytes = randomBytes(size);
  const path = join(dir, "photo.jpg");
  writeFileSync(path, bytes);
  return { dir, bytes, path, home: join(dir, "home") };
}

/**
 * Runs the CLI as a child process and SIGKILLs it once `ready()` holds, leaving its job unfinished
 * in the journal, as a crash would. Rejects if the child ends on its own first.
 */
async function interruptedCli(args: string[], ready: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const closed = new Promise<NodeJS.Signals | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve(signal));
  });
  let ended = false;
  void closed.then(() => (ended = true));
  const deadline = Date.now() + 30_000;
  while (!ready() && !ended && Date.now() < deadline) await sleep(20);
  child.kill("SIGKILL");
  const signal = await closed;
  if (signal !== "SIGKILL") throw new Error(`the child ended before it could be interrupted: ${stderr}`);
  if (!ready()) throw new Error(`the child never got going: ${stderr}`);
}

function partFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".part"));
}

async function putOnCodex(server: CodexTestServer, path: string, home: string, ...more: string[]): Promise<PutOutput> {
  const put = await runCliInProcess(["file", "put", path, "--home", home, "--backend", "codex", "--codex-url", server.url, ...more]);
  expect(put.code, put.stderr).toBe(0);
  return JSON.parse(put.stdout) as PutOutput;
}

describe("status-compat file put / get", () => {
  test("put prints the reference as one JSON object; get writes the verified file; the readable part holds no key material", async () => {
    const { dir, bytes, path, home } = setup();
    const put = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(put.code).toBe(0);
    const lines = put.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const ref = JSON.parse(lines[0] as string) as PutOutput;
    expect(ref).toMatchObject({ protocol: 3, fileName: "photo.jpg", plaintextSize: bytes.byteLength, plaintextSha256: sha256Hex(bytes) });
    expect(ref.pieces.every((p) => p.cid.startsWith("z"))).toBe(true);
    // The key travels only inside the protobuf bytes.
    const { decodeFileReference } = await import("../../src/wire/index.js");
    const view = decodeFileReference(Buffer.from(ref.base64, "base64"), 3);
    const { base64: _bytes, ...readable } = ref;
    const text = JSON.stringify(readable);
    for (const secret of [view.encryption.key, view.encryption.noncePrefix]) {
      for (const enc of ["hex", "base64", "base64url"] as const) expect(text).not.toContain(Buffer.from(secret).toString(enc));
    }
    const out = join(dir, "copy.jpg");
    const get = await runCliInProcess(["file", "get", ref.base64, "--out", out, "--home", home]);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({ path: out, size: bytes.byteLength, sha256: sha256Hex(bytes) });
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  test("--metrics writes the client's metrics in Prometheus text format when the command ends", async () => {
    const { dir, bytes, path, home } = setup();
    const metrics = join(dir, "put.prom");
    const put = await runCliInProcess(["file", "put", path, "--home", home, "--metrics", metrics]);
    expect(put.code).toBe(0);
    const text = readFileSync(metrics, "utf8");
    expect(text).toMatch(/^# HELP status_compat_/m);
    expect(text).toMatch(/^# TYPE status_compat_\w+ (counter|gauge|histogram)$/m);
    // Ciphertext stored: the plaintext plus a 16-byte tag per chunk.
    const uploaded = /^status_compat_storage_transfer_bytes_total\{direction="up"\} (\d+)$/m.exec(text);
    expect(uploaded, text).not.toBeNull();
    expect(Number(uploaded?.[1])).toBeGreaterThan(bytes.byteLength);
  });

  test("with no flags both use the default home from STATUS_COMPAT_HOME (a fresh machine needs nothing else), as real processes", async () => {
    const { dir, bytes, path, home } = setup(50_000);
    const env = { STATUS_COMPAT_HOME: home };
    const put = await runCli(["file", "put", path], { env });
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    const { base64 } = JSON.parse(put.stdout) as PutOutput;
    const out = join(dir, "again.jpg");
    const get = await runCli(["file", "get", base64, "--out", out], { env });
    expect(get.code).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(existsSync(join(home, "store"))).toBe(true);
    expect(existsSync(join(home, "state.sqlite"))).toBe(true);
  });

  test("with neither --home nor STATUS_COMPAT_HOME, the home is $XDG_DATA_HOME/status-compat, else $HOME/.local/share/status-compat", async () => {
    const { dir, bytes, path } = setup(20_000);
    const userHome = join(dir, "user");
    const xdg = join(dir, "xdg");
    for (const [env, expected] of [
      [{ HOME: userHome, STATUS_COMPAT_HOME: undefined, XDG_DATA_HOME: undefined }, join(userHome, ".local", "share", "status-compat")],
      [{ HOME: userHome, STATUS_COMPAT_HOME: undefined, XDG_DATA_HOME: xdg }, join(xdg, "status-compat")],
    ] as const) {
      // main() given the environment as run.ts gives it: HOME is read from it too (file-home-from-env.test.ts).
      const run = (args: string[]) => runCliInProcess(args, { ...process.env, ...env });
      const put = await run(["file", "put", path]);
      expect(put.code, put.stderr).toBe(0);
      const out = join(dir, `got-${expected.length}.jpg`);
      const get = await run(["file", "get", (JSON.parse(put.stdout) as PutOutput).base64, "--out", out]);
      expect(get.code, get.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      expect(existsSync(join(expected, "state.sqlite"))).toBe(true);
      expect(existsSync(join(expected, "store"))).toBe(true);
    }
  });

  test("a reference put by protocol 2 is fetched by protocol 3 and the other way round", async () => {
    const { dir, bytes, path, home } = setup();
    for (const [w, r] of [
      ["2", "3"],
      ["3", "2"],
    ] as const) {
      const put = await runCliInProcess(["file", "put", path, "--home", home, "--protocol", w]);
      expect(put.code).toBe(0);
      const ref = JSON.parse(put.stdout) as PutOutput;
      expect(ref.protocol).toBe(Number(w));
      expect(ref.expiresAt === undefined).toBe(w === "2");
      const out = join(dir, `v${w}-by-v${r}.bin`);
      const get = await runCliInProcess(["file", "get", ref.base64, "--out", out, "--home", home, "--protocol", r]);
      expect(get.code).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
    }
  });

  test("--backend codex talks to a Codex node (the test server)", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, bytes, path, home } = setup(200_000);
      const put = await runCliInProcess(["file", "put", path, "--home", home, "--backend", "codex", "--codex-url", server.url]);
      expect(put.code).toBe(0);
      const ref = JSON.parse(put.stdout) as PutOutput & { backend: string };
      expect(ref.backend).toBe("codex");
      expect(server.stats.uploads).toBe(ref.pieces.length);
      const out = join(dir, "from-codex.jpg");
      const get = await runCliInProcess(["file", "get", ref.base64, "--out", out, "--home", join(dir, "other-home"), "--backend", "codex", "--codex-url", server.url]);
      expect(get.code).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
    } finally {
      await server.close();
    }
  });

  test("bad input exits 3 with a typed error; bad usage exits 2; an unreachable node exits 5", async () => {
    const { dir, path, home } = setup(1000);
    const notBase64 = await runCliInProcess(["file", "get", "not base64!", "--out", join(dir, "x"), "--home", home]);
    expect(notBase64.code).toBe(3);
    expect(notBase64.stderr).toContain("error[E_BAD_REFERENCE]");
    const notRef = await runCliInProcess(["file", "get", Buffer.from("hello").toString("base64"), "--out", join(dir, "x"), "--home", home]);
    expect(notRef.code).toBe(3);
    expect(existsSync(join(dir, "x"))).toBe(false);
    const missing = await runCliInProcess(["file", "put", join(dir, "nope.bin"), "--home", home]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("E_SOURCE_MISSING");
    expect((await runCliInProcess(["file", "get", "AAAA", "--home", home])).code).toBe(2);
    expect((await runCliInProcess(["file", "put", path, "--backend", "ftp", "--home", home])).code).toBe(2);
    expect((await runCliInProcess(["file", "put", path, "--backend", "codex", "--home", home])).code).toBe(2);
    const down = await runCliInProcess(
      ["file", "put", path, "--home", join(dir, "h2"), "--backend", "codex", "--codex-url", "http://127.0.0.1:9", "--attempts", "2"],
      { ...process.env, STATUS_COMPAT_LOG_LEVEL: "silent" },
    );
    expect(down.code).toBe(5);
    expect(down.stderr).toContain("E_BACKEND_UNREACHABLE");
  }, 60_000);

  test("on a terminal, put draws a progress bar on stderr and stdout stays one JSON line", async () => {
    const { path, home } = setup(600_000);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (d: Buffer) => (out += d.toString()));
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await main(["file", "put", path, "--home", home], { stdout, stderr, stderrIsTTY: true, env: process.env, cwd: process.cwd() });
    expect(code).toBe(0);
    expect(err).toMatch(/\rput \[#+\] 100%/);
    expect(out.trim().split("\n")).toHaveLength(1);
  });

  test("an interrupted get resumes only for the same reference: a get of another reference to that --out writes the new file, cancels the old job and removes its temp file", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, home } = setup(1000);
      const a = randomBytes(120_000);
      const b = randomBytes(90_000);
      writeFileSync(join(dir, "a.bin"), a);
      writeFileSync(join(dir, "b.bin"), b);
      const refA = await putOnCodex(server, join(dir, "a.bin"), home);
      const refB = await putOnCodex(server, join(dir, "b.bin"), home);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const downloads = join(dir, "downloads");
      mkdirSync(downloads);
      const out = join(downloads, "x.bin");

      // The node never answers a download: the get of A is stuck with its temp file open when it is killed.
      server.inject("download", { kind: "hang", phase: "before-headers" }, { times: 1000 });
      await interruptedCli(["file", "get", refA.base64, "--out", out, ...codex], () => partFiles(downloads).length === 1);
      server.clearFaults();
      const [staleTemp] = partFiles(downloads);

      const get = await runCliInProcess(["file", "get", refB.base64, "--out", out, ...codex]);
      expect(get.code, get.stderr).toBe(0);
      expect(JSON.parse(get.stdout)).toMatchObject({ path: out, sha256: sha256Hex(b), size: b.byteLength });
      expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(b));
      expect(partFiles(downloads), `${staleTemp} should be gone`).toEqual([]);
      // A's job is cancelled for good, not left to resume (nor run to the end before B replaces it).
      const jobs = journalRows(home, `SELECT state, file_reference FROM download_jobs WHERE dest_path = ? ORDER BY created_at`, out);
      expect(jobs).toHaveLength(2);
      expect(Buffer.from(jobs[0]?.file_reference as Buffer).toString("base64")).toBe(refA.base64);
      expect(jobs[0]?.state).toBe("cancelled");
      expect(jobs[1]?.state).toBe("done");

      // The same reference again resumes the interrupted job instead of starting another.
      const other = join(downloads, "y.bin");
      server.inject("download", { kind: "hang", phase: "before-headers" }, { times: 1000 });
      await interruptedCli(["file", "get", refA.base64, "--out", other, ...codex], () => partFiles(downloads).length === 1);
      server.clearFaults();
      const again = await runCliInProcess(["file", "get", refA.base64, "--out", other, ...codex]);
      expect(again.code, again.stderr).toBe(0);
      expect(sha256Hex(readFileSync(other))).toBe(sha256Hex(a));
      expect(journalRows(home, `SELECT state FROM download_jobs WHERE dest_path = ?`, other)).toEqual([{ state: "done" }]);
      expect(partFiles(downloads)).toEqual([]);
    } finally {
      await server.close();
    }
  }, 90_000);

  test("an interrupted put resumes only under the same --protocol: a put with another protocol prints that protocol's reference and cancels the old job", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, bytes, path, home } = setup(120_000);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const uploadsSeen = (): number => server.stats.byRoute["upload"] ?? 0;
      const pendingOf = (source: string): Record<string, unknown>[] =>
        journalRows(home, `SELECT protocol FROM upload_jobs WHERE source_path = ? AND state IN ('queued', 'uploading')`, source);

      // The node never reads an upload: the put under protocol 2 is stuck on its first piece when it is killed.
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const before = uploadsSeen();
      await interruptedCli(["file", "put", path, "--protocol", "2", ...codex], () => uploadsSeen() > before);
      server.clearFaults();
      expect(pendingOf(path)).toEqual([{ protocol: 2 }]);

      const put = await runCliInProcess(["file", "put", path, "--protocol", "3", ...codex]);
      expect(put.code, put.stderr).toBe(0);
      const ref = JSON.parse(put.stdout) as PutOutput;
      expect(ref.protocol).toBe(3);
      expect(ref.expiresAt).toBeTypeOf("number");
      const { decodeFileReference } = await import("../../src/wire/index.js");
      expect(decodeFileReference(Buffer.from(ref.base64, "base64"), 3).plaintextSha256).toEqual(new Uint8Array(createHash("sha256").update(bytes).digest()));
      // The protocol 2 job is cancelled for good, not left to resume (nor run to the end).
      const jobs = journalRows(home, `SELECT state, protocol FROM upload_jobs WHERE source_path = ? ORDER BY created_at`, path);
      expect(jobs.map((j) => j.protocol)).toEqual([2, 3]);
      expect(jobs[0]?.state).toBe("cancelled");
      expect(jobs[1]?.state).toBe("done");
      expect(pendingOf(path)).toEqual([]);

      // The same protocol again resumes the interrupted put instead of starting another.
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const seen = uploadsSeen();
      await interruptedCli(["file", "put", path, "--protocol", "2", ...codex], () => uploadsSeen() > seen);
      server.clearFaults();
      const [interrupted] = journalRows(home, `SELECT id FROM upload_jobs WHERE source_path = ? AND state = 'uploading'`, path);
      const resumed = await runCliInProcess(["file", "put", path, "--protocol", "2", ...codex]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((JSON.parse(resumed.stdout) as PutOutput).protocol).toBe(2);
      expect(journalRows(home, `SELECT count(*) AS n FROM upload_jobs WHERE source_path = ?`, path)).toEqual([{ n: 3 }]);
      expect(journalRows(home, `SELECT state FROM upload_jobs WHERE id = ?`, interrupted?.id)).toEqual([{ state: "done" }]);
      expect(pendingOf(path)).toEqual([]);
    } finally {
      await server.close();
    }
  }, 90_000);

  test("--out naming a folder, or a file in a folder that does not exist, is a usage error (exit 2) before anything starts", async () => {
    const { dir, path, home } = setup(5000);
    const put = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const { base64 } = JSON.parse(put.stdout) as PutOutput;
    const getHome = join(dir, "get-home");
    const folder = join(dir, "folder");
    mkdirSync(folder);

    const intoFolder = await runCliInProcess(["file", "get", base64, "--out", folder, "--home", getHome]);
    expect(intoFolder.code).toBe(2);
    expect(intoFolder.stderr).toContain("E_USAGE");
    expect(intoFolder.stderr).toContain(`--out ${folder} is a folder`);
    expect(readdirSync(folder)).toEqual([]);

    const missing = join(dir, "no", "such", "folder");
    const intoNowhere = await runCliInProcess(["file", "get", base64, "--out", join(missing, "x.bin"), "--home", getHome]);
    expect(intoNowhere.code).toBe(2);
    expect(intoNowhere.stderr).toContain("does not exist");
    expect(existsSync(join(dir, "no"))).toBe(false);

    // Refused before the client opened: the get's home was never even created.
    expect(existsSync(getHome)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(["folder", "home", "photo.jpg"]);
  });
});

describe("status-compat file: --metrics", () => {
  test("--metrics naming a file in a missing folder, or a folder, is a usage error (exit 2) before anything starts; the process ends (it hung after printing a stack, exit 70)", async () => {
    const { dir, path, home } = setup();
    const folder = join(dir, "folder");
    mkdirSync(folder);
    for (const metrics of [join(dir, "no", "such", "m.prom"), folder]) {
      const put = await runCli(["file", "put", path, "--home", home, "--metrics", metrics], { timeoutMs: 20_000 });
      expect(put.code, put.stderr).toBe(2);
      expect(put.stdout).toBe("");
      expect(put.stderr).toContain("error[E_USAGE]");
      expect(put.stderr).toContain(`--metrics ${metrics}`);
      expect(put.stderr).not.toContain("internal error");
    }
    // Refused before the client opened: nothing was shared, the home was never created.
    expect(existsSync(home)).toBe(false);
    expect(readdirSync(folder)).toEqual([]);
  }, 60_000);
});

describe("status-compat file: --metrics that cannot be written at the end", () => {
  test("a --metrics folder removed during the transfer costs only the metrics: the reference is printed, a line says why the metrics are missing, exit 0; it ended as an internal error (exit 70, 'a bug') with a stack after printing the reference", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, bytes, path, home } = setup(50_000);
      const folder = join(dir, "metrics");
      mkdirSync(folder);
      // The node holds the upload's answer until the folder is gone: the transfer is under way, not over.
      const reached = gate();
      const removed = gate();
      server.inject("upload", { kind: "hold", until: removed.wait, reached: reached.open }, { times: 1 });
      const running = runCliInProcess(["file", "put", path, "--home", home, "--codex-url", server.url, "--metrics", join(folder, "put.prom")]);
      await Promise.race([reached.wait, running]);
      expect(server.stats.byRoute["upload"] ?? 0, "the upload never reached the node").toBeGreaterThan(0);
      rmSync(folder, { recursive: true });
      removed.open();
      const put = await running;
      expect(put.stderr).not.toContain("internal error");
      expect(put.stderr).toMatch(/file put: could not write --metrics .*put\.prom \(ENOENT/);
      expect((JSON.parse(put.stdout) as PutOutput).plaintextSha256).toBe(sha256Hex(bytes));
      expect(put.code, put.stderr).toBe(0);
      expect(journalRows(home, `SELECT state FROM upload_jobs`)).toEqual([{ state: "done" }]);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("status-compat file get: the reference as pasted", () => {
  test("base64 wrapped over lines, indented, with a trailing newline, or URL-safe without padding, is the same reference", async () => {
    const { dir, bytes, path, home } = setup(20_000);
    const put = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const { base64 } = JSON.parse(put.stdout) as PutOutput;
    const wrapped = (base64.match(/.{1,60}/g) ?? []).join("\n");
    for (const [i, pasted] of [`${base64}\n`, `${wrapped}\n`, `  ${wrapped.replace(/\n/g, "\r\n  ")}\t\n`, base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")].entries()) {
      const out = join(dir, `pasted-${i}.jpg`);
      const get = await runCliInProcess(["file", "get", pasted, "--out", out, "--home", home]);
      expect(get.code, `${JSON.stringify(pasted)}: ${get.stderr}`).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
    }
  });
});

describe("status-compat file: two commands on one home", () => {
  test("a put started while another runs on the same home waits for it (saying so on stderr) instead of running the other's job alongside it, then finishes", async () => {
    const server = await startCodexTestServer();
    const children: ReturnType<typeof spawn>[] = [];
    try {
      const { dir, path, home } = setup(120_000);
      const second = join(dir, "second.bin");
      const secondBytes = randomBytes(80_000);
      writeFileSync(second, secondBytes);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const uploadsSeen = (): number => server.stats.byRoute["upload"] ?? 0;
      const start = (args: string[]) => {
        const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        children.push(child);
        const output = { stdout: "", stderr: "", code: undefined as number | null | undefined };
        child.stdout?.on("data", (d: Buffer) => (output.stdout += d.toString("utf8")));
        child.stderr?.on("data", (d: Buffer) => (output.stderr += d.toString("utf8")));
        const closed = new Promise<void>((resolve) => child.on("close", (code) => ((output.code = code), resolve())));
        return { child, output, closed };
      };
      const until = async (what: () => boolean): Promise<void> => {
        const deadline = Date.now() + 20_000;
        while (!what() && Date.now() < deadline) await sleep(20);
      };

      // The first put is stuck on its first piece: the node never reads the upload.
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const first = start(["file", "put", path, ...codex]);
      await until(() => uploadsSeen() > 0 || first.output.code !== undefined);
      expect(uploadsSeen(), first.output.stderr).toBe(1);
      server.clearFaults();
      const [firstJob] = journalRows(home, `SELECT id, state, attempts FROM upload_jobs`);
      expect(firstJob).toMatchObject({ state: "uploading", attempts: 1 });

      const other = start(["file", "put", second, ...codex]);
      await until(() => other.output.stderr.includes("waiting") || other.output.code !== undefined);
      await sleep(500);
      expect(other.output.code, `the second put ended while the first ran: ${other.output.stderr}`).toBeUndefined();
      expect(other.output.stderr).toMatch(/another status-compat file command is using .*; waiting for it to finish/);
      // The first put's job was left to the first put: not run a second time, nothing else uploaded.
      expect(journalRows(home, `SELECT state, attempts FROM upload_jobs WHERE id = ?`, firstJob?.id)).toEqual([{ state: "uploading", attempts: 1 }]);
      expect(uploadsSeen()).toBe(1);

      // Once the first is gone (killed here: the OS drops its lock), the second runs and prints its reference.
      first.child.kill("SIGKILL");
      await first.closed;
      await other.closed;
      expect(other.output.code, other.output.stderr).toBe(0);
      const ref = JSON.parse(other.output.stdout) as PutOutput;
      expect(ref.plaintextSha256).toBe(sha256Hex(secondBytes));
    } finally {
      for (const child of children) child.kill("SIGKILL");
      await server.close();
    }
  }, 60_000);
});

describe("status-compat file: Ctrl-C", () => {
  /** Starts the CLI as a child process; `output` fills as it runs, `closed` gives its exit code and signal. */
  async function until(what: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!what() && Date.now() < deadline) await sleep(20);
  }

  /**
   * Sends `signal` to `cli` once its stderr says `waiting`: it must end by that signal, with nothing
   * on stdout and `lastLine` as the last line on stderr.
   */
  async function expectInterruptedWhileWaiting(cli: StartedCli, waiting: string, signal: NodeJS.Signals, lastLine: RegExp): Promise<void> {
    await until(() => cli.output.stderr.includes(waiting));
    cli.child.kill(signal);
    const ended = await cli.closed;
    expect(cli.output.stdout).toBe("");
    expect(cli.output.stderr.trimEnd().split("\n").at(-1)).toMatch(lastLine);
    expect(ended, cli.output.stderr).toEqual({ code: null, signal });
  }

  test("SIGINT during a put: ends by SIGINT (130 to a shell) after a line saying the upload resumes when run again, the metrics written, the job kept; the same command then finishes it", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, bytes, path, home } = setup(120_000);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const metrics = join(dir, "put.prom");
      const uploadsSeen = (): number => server.stats.byRoute["upload"] ?? 0;
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const put = startCli(["file", "put", path, ...codex, "--metrics", metrics]);
      await until(() => uploadsSeen() > 0);
      expect(uploadsSeen(), put.output.stderr).toBe(1);
      put.child.kill("SIGINT");
      const ended = await put.closed;
      server.clearFaults();
      expect(put.output.stdout).toBe("");
      expect(put.output.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^status-compat file put: interrupted \(SIGINT\); the upload is kept and resumes when you run the same command again/)]);
      expect(ended, put.output.stderr).toEqual({ code: null, signal: "SIGINT" });
      expect(readFileSync(metrics, "utf8")).toMatch(/^# TYPE status_compat_/m);
      const [job] = journalRows(home, `SELECT id, state FROM upload_jobs`);
      expect(job?.state).toBe("uploading");

      const again = await runCliInProcess(["file", "put", path, ...codex]);
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as PutOutput).plaintextSha256).toBe(sha256Hex(bytes));
      expect(journalRows(home, `SELECT id, state FROM upload_jobs`)).toEqual([{ id: job?.id, state: "done" }]);
    } finally {
      await server.close();
    }
  }, 60_000);

  test("SIGINT during a get: ends by SIGINT (130 to a shell) after a line saying the download resumes when run again, nothing at --out; the same command then writes the verified file and leaves no temp file", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, bytes, path, home } = setup(120_000);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const ref = await putOnCodex(server, path, home);
      const downloads = join(dir, "downloads");
      mkdirSync(downloads);
      const out = join(downloads, "copy.jpg");
      server.inject("download", { kind: "hang", phase: "before-headers" }, { times: 1000 });
      const get = startCli(["file", "get", ref.base64, "--out", out, ...codex]);
      await until(() => partFiles(downloads).length === 1);
      get.child.kill("SIGINT");
      const ended = await get.closed;
      server.clearFaults();
      expect(get.output.stdout).toBe("");
      expect(get.output.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^status-compat file get: interrupted \(SIGINT\); the download is kept and resumes when you run the same command again/)]);
      expect(ended, get.output.stderr).toEqual({ code: null, signal: "SIGINT" });
      expect(existsSync(out)).toBe(false);
      expect(journalRows(home, `SELECT state FROM download_jobs`)).toEqual([{ state: "downloading" }]);

      const again = await runCliInProcess(["file", "get", ref.base64, "--out", out, ...codex]);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      expect(readdirSync(downloads)).toEqual(["copy.jpg"]);
      expect(journalRows(home, `SELECT state FROM download_jobs`)).toEqual([{ state: "done" }]);
    } finally {
      await server.close();
    }
  }, 60_000);

  test("SIGINT while a get waits for the home lock, SIGTERM while a put waits to migrate the state: one line on stderr, ends by that signal, nothing held, the state keeps its level; the same command then works", async () => {
    const { LockFile, acquireMigrationLock } = await import("../../src/state/index.js");
    const { dir, bytes, path, home } = setup(50_000);
    const ref = JSON.parse((await runCliInProcess(["file", "put", path, "--home", home])).stdout) as PutOutput;
    const out = join(dir, "copy.jpg");

    // Another file command holds the home: the get waits for it, and is stopped while waiting.
    const other = LockFile.open(join(home, "cli.lock"));
    expect(other.tryTake()).toBe(true);
    const get = startCli(["file", "get", ref.base64, "--out", out, "--home", home]);
    try {
      await expectInterruptedWhileWaiting(get, "waiting", "SIGINT", /^status-compat file get: interrupted \(SIGINT\) before the download started/);
    } finally {
      other.release();
    }
    expect(readdirSync(dir).sort()).toEqual(["home", "photo.jpg"]);
    const again = await runCliInProcess(["file", "get", ref.base64, "--out", out, "--home", home]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);

    // A state database of release 0.1.0 that another process is migrating: the put waits to migrate it, and is stopped.
    const home2 = join(dir, "home2");
    mkdirSync(home2);
    const statePath = join(home2, "state.sqlite");
    const fixture = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "1000", "--out", statePath]);
    expect(fixture.code, fixture.stderr).toBe(0);
    const migrating = await acquireMigrationLock(statePath);
    const put = startCli(["file", "put", path, "--home", home2], { STATUS_COMPAT_LOG_LEVEL: "info" });
    try {
      await expectInterruptedWhileWaiting(put, "waiting for another process to finish migrating", "SIGTERM", /^status-compat file put: interrupted \(SIGTERM\) before the upload started/);
    } finally {
      migrating.release();
    }
    // Nothing held: the home lock and the client's lock are free, the state is still at level 1, no job was written.
    const homeLock = LockFile.open(join(home2, "cli.lock"));
    expect(homeLock.tryTake()).toBe(true);
    homeLock.release();
    const status = await runCliInProcess(["migrate", "status", "--db", statePath]);
    expect(status.stdout).toMatch(/state level +1\n/);
    const put2 = await runCliInProcess(["file", "put", path, "--home", home2]);
    expect(put2.code, put2.stderr).toBe(0);
    expect(journalRows(home2, `SELECT state FROM upload_jobs`)).toEqual([{ state: "done" }]);
  }, 60_000);
});

describe("status-compat file: option values", () => {
  test("a protocol without file references or unknown, a malformed --codex-url or --api-prefix, or codex options with --backend local are usage errors (exit 2) before the home is touched", async () => {
    const { dir, path } = setup(1000);
    const home = join(dir, "home");
    for (const bad of [
      ["--protocol", "1"],
      ["--protocol", "9"],
      ["--backend", "codex", "--codex-url", "not a url"],
      ["--backend", "codex", "--codex-url", "ftp://127.0.0.1:1"],
      ["--backend", "codex", "--codex-url", "http://127.0.0.1:1/?node=1"],
      ["--backend", "codex", "--codex-url", "http://127.0.0.1:1", "--api-prefix", "api v1"],
      ["--backend", "local", "--codex-url", "http://127.0.0.1:1"],
      ["--api-prefix", "/api/storage/v1"],
    ]) {
      for (const command of [["file", "put", path], ["file", "get", "AAAA", "--out", join(dir, "out.bin")]]) {
        const r = await runCliInProcess([...command, "--home", home, ...bad]);
        expect(r.code, `${bad.join(" ")}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain("error[E_USAGE]");
        expect(r.stdout).toBe("");
      }
    }
    expect(existsSync(home)).toBe(false);
  });

  test("--codex-url without --backend means the Codex node, not the local store", async () => {
    const server = await startCodexTestServer();
    try {
      const { path, home } = setup(20_000);
      const put = await runCliInProcess(["file", "put", path, "--home", home, "--codex-url", server.url]);
      expect(put.code, put.stderr).toBe(0);
      expect(JSON.parse(put.stdout)).toMatchObject({ backend: "codex" });
      expect(server.stats.uploads).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe("status-compat file: --codex-url with the API path", () => {
  test("a --codex-url that already ends in the API path (the server URL of the node's openapi.yaml) reaches the node under that path", async () => {
    for (const prefix of ["/api/storage/v1", "/api/codex/v1"]) {
      const server = await startCodexTestServer({ prefixes: [prefix] });
      try {
        const { dir, bytes, path, home } = setup(20_000);
        for (const url of [`${server.url}${prefix}`, `${server.url}${prefix}/`]) {
          const put = await runCliInProcess(["file", "put", path, "--home", home, "--codex-url", url]);
          expect(put.code, `${url}: ${put.stderr}`).toBe(0);
          const out = join(dir, `copy-${url.length}.jpg`);
          const get = await runCliInProcess(["file", "get", (JSON.parse(put.stdout) as PutOutput).base64, "--out", out, "--home", join(dir, "other"), "--codex-url", url]);
          expect(get.code, get.stderr).toBe(0);
          expect(readFileSync(out).equals(bytes)).toBe(true);
        }
        // The same path given twice, in the URL and as --api-prefix, is still that path.
        const both = await runCliInProcess(["file", "put", path, "--home", home, "--codex-url", `${server.url}${prefix}`, "--api-prefix", prefix]);
        expect(both.code, both.stderr).toBe(0);
      } finally {
        await server.close();
      }
    }
  });
});

describe("status-compat file: --home that cannot be a folder", () => {
  test("--home naming a file, or a path under a file, is a usage error (exit 2) naming it, not an internal error with a stack (exit 70)", async () => {
    const { dir, path } = setup(1000);
    for (const home of [path, join(path, "sub")]) {
      for (const command of [["file", "put", path], ["file", "get", "AAAA", "--out", join(dir, "out.bin")]]) {
        const r = await runCliInProcess([...command, "--home", home]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain("error[E_USAGE]");
        expect(r.stderr).toContain(`home directory ${home}`);
        expect(r.stderr).not.toContain("internal error");
      }
    }
  });
});

describe("status-compat file: --home where no folder can be made", () => {
  test("--home under /proc (mkdir answers ENOENT under a parent that exists) is a prompt usage error (exit 2) naming it; the process spun in Node's recursive mkdir until killed", async () => {
    const { dir, path } = setup(1000);
    for (const command of [["file", "put", path], ["file", "get", "AAAA", "--out", join(dir, "out.bin")]]) {
      const home = "/proc/status-compat-no-such-folder/home";
      // A real process (the spin blocked the event loop) that a failing run must not leave behind.
      const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), ...command, "--home", home], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
      onTestFinished(() => void child.kill("SIGKILL"));
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 10_000);
        child.on("close", (c) => (clearTimeout(timer), resolve(c)));
      });
      const r = { code, stderr };
      expect(r.code, `still running after 10 s: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("error[E_USAGE]");
      expect(r.stderr).toContain(`cannot create the home directory ${home}`);
    }
  }, 40_000);
});

describe("status-compat file put: an interrupted put of a file edited since", () => {
  test("put again shares the file as it is now (exit 0, the new content's reference) instead of failing E_SOURCE_CHANGED on the interrupted job", async () => {
    const server = await startCodexTestServer();
    try {
      const { path, home } = setup(120_000);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const uploadsSeen = (): number => server.stats.byRoute["upload"] ?? 0;
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      await interruptedCli(["file", "put", path, ...codex], () => uploadsSeen() > 0);
      server.clearFaults();
      const [interrupted] = journalRows(home, `SELECT id FROM upload_jobs WHERE state = 'uploading'`);
      expect(interrupted).toBeDefined();

      const edited = randomBytes(90_000);
      writeFileSync(path, edited);
      const put = await runCliInProcess(["file", "put", path, ...codex]);
      expect(put.code, put.stderr).toBe(0);
      const ref = JSON.parse(put.stdout) as PutOutput;
      expect(ref.plaintextSha256).toBe(sha256Hex(edited));
      expect(ref.plaintextSize).toBe(edited.byteLength);
      // The interrupted job is over for good (it never sealed the new bytes under its key); nothing left to resume.
      expect(journalRows(home, `SELECT state FROM upload_jobs WHERE id = ?`, interrupted?.id)).toEqual([{ state: "failed" }]);
      expect(journalRows(home, `SELECT id FROM upload_jobs WHERE state IN ('queued', 'uploading')`)).toEqual([]);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("status-compat file: Ctrl-C as a job ends", () => {
  test("a job that finishes while Ctrl-C stops the client is reported done (the result printed, exit 0), not 'interrupted; resumes when run again'; one the stop ends is interrupted", async () => {
    const { doneOrInterrupted } = await import("../../src/cli/interrupts.js");
    const listeners = process.listenerCount("SIGINT");
    // Past its last check (renaming onto --out, say), a job finishes even when stopped.
    let finish: (value: string) => void = () => undefined;
    const finishing = new Promise<string>((resolve) => (finish = resolve));
    const finished = doneOrInterrupted(finishing, async () => finish("the file"));
    process.emit("SIGINT");
    expect(await finished).toEqual({ kind: "done", value: "the file" });

    let fail: (error: Error) => void = () => undefined;
    const stopping = new Promise<string>((_resolve, reject) => (fail = reject));
    const stopped = doneOrInterrupted(stopping, async () => fail(new Error("E_CLIENT_CLOSED")));
    process.emit("SIGINT");
    expect(await stopped).toEqual({ kind: "interrupted", signal: "SIGINT" });
    expect(process.listenerCount("SIGINT")).toBe(listeners);
  });
});

describe("status-compat file put: PATH that is not a regular file", () => {
  test("a folder or a FIFO is refused (exit 3, E_SOURCE_MISSING) with a message that says what is there, not 'there is no file'", async () => {
    const { dir, home } = setup(1000);
    const folder = join(dir, "photos");
    mkdirSync(folder);
    const fifo = join(dir, "pipe");
    const made = await spawnCollecting("mkfifo", [fifo]);
    expect(made.code, made.stderr).toBe(0);
    for (const [path, says] of [
      [folder, "is a folder"],
      [fifo, "is not a regular file"],
    ] as const) {
      const put = await runCliInProcess(["file", "put", path, "--home", home]);
      expect(put.code, put.stderr).toBe(3);
      expect(put.stderr).toContain("error[E_SOURCE_MISSING]");
      expect(put.stderr).toContain(`${path} ${says}`);
      expect(put.stderr).not.toContain("there is no file");
    }
    // A path through a file (ENOTDIR) is a missing file, not an internal error.
    const through = join(fifo.replace(/pipe$/, "photo.jpg"), "x");
    const put = await runCliInProcess(["file", "put", through, "--home", home]);
    expect(put.code, put.stderr).toBe(3);
    expect(put.stderr).toContain(`error[E_SOURCE_MISSING]: there is no file to share at ${through}`);
  });
});

describe("status-compat file get: a reference whose piece CID is no CID", () => {
  test("exits 3 (bad input, E_BAD_REFERENCE: refused before any job), as every other fault of the reference does, not 5 (storage failure)", async () => {
    const { dir, path, home } = setup(20_000);
    const put = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const { decodeFileReference, encodeFileReference } = await import("../../src/wire/index.js");
    const view = decodeFileReference(Buffer.from((JSON.parse(put.stdout) as PutOutput).base64, "base64"), 3);
    const forged = encodeFileReference({ ...view, pieces: view.pieces.map((p) => ({ ...p, cid: "zb2rhNotACid" })) }, 3);
    const get = await runCliInProcess(["file", "get", Buffer.from(forged).toString("base64"), "--out", join(dir, "x.bin"), "--home", home]);
    expect(get.stderr).toContain("error[E_BAD_REFERENCE]");
    expect(get.code).toBe(3);
    expect(existsSync(join(dir, "x.bin"))).toBe(false);
  });
});

describe("status-compat file get: a long --out name", () => {
  test("a legal file name close to the 255-byte limit (ASCII, or 3-byte characters) is downloaded to; the temp file beside it once went past the limit and every such get failed E_LOCAL_IO (ENAMETOOLONG)", async () => {
    const { dir, bytes, path, home } = setup(20_000);
    const put = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const { base64 } = JSON.parse(put.stdout) as PutOutput;
    for (const name of [`${"y".repeat(251)}.jpg`, `${"文".repeat(83)}.jpg`]) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      const downloads = join(dir, `d-${name.length}`);
      mkdirSync(downloads);
      const out = join(downloads, name);
      const get = await runCliInProcess(["file", "get", base64, "--out", out, "--home", home]);
      expect(get.code, get.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      expect(readdirSync(downloads)).toEqual([name]);
    }
  });
});

describe("status-compat file: an empty --home", () => {
  test("--home '' (an unset shell variable, say) is a usage error, not the current directory filled with store/, data/ and state.sqlite", async () => {
    const { dir, path } = setup(1000);
    const cwd = join(dir, "cwd");
    mkdirSync(cwd);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await main(["file", "put", path, "--home", ""], { stdout, stderr, stderrIsTTY: false, env: process.env, cwd });
    expect(code, err).toBe(2);
    expect(err).toContain("error[E_USAGE]");
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("status-compat file: Ctrl-C in a shell loop", () => {
  test("a put stopped by Ctrl-C ends by SIGINT after its cleanup, so the shell loop running it stops too (an exit 130 made bash go on to the next file)", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, path, home } = setup(120_000);
      const uploadsSeen = (): number => server.stats.byRoute["upload"] ?? 0;
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const put = `${[process.execPath, ...nodeArgs("src/cli/run.ts")].map((a) => JSON.stringify(a)).join(" ")} file put ${JSON.stringify(path)} --home ${JSON.stringify(home)} --codex-url ${server.url}`;
      // As a terminal runs it: Ctrl-C goes to the whole foreground process group, the shell included.
      const shell = spawn("bash", ["-c", `for i in 1 2; do ${put} > /dev/null 2>> ${JSON.stringify(join(dir, "err"))}; echo "after $i"; done`], {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: ["ignore", "pipe", "ignore"],
      });
      onTestFinished(() => {
        try {
          process.kill(-(shell.pid as number), "SIGKILL");
        } catch {
          // The group already ended, as it should have.
        }
      });
      let out = "";
      shell.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
      const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => shell.on("close", (code, signal) => resolve({ code, signal })));
      const deadline = Date.now() + 20_000;
      while (uploadsSeen() === 0 && Date.now() < deadline) await sleep(20);
      expect(uploadsSeen()).toBe(1);
      process.kill(-(shell.pid as number), "SIGINT");
      await sleep(300);
      server.clearFaults();
      const ended = await closed;
      expect(out, readFileSync(join(dir, "err"), "utf8")).toBe("");
      expect(ended).toEqual({ code: null, signal: "SIGINT" });
      expect(readFileSync(join(dir, "err"), "utf8")).toMatch(/^status-compat file put: interrupted \(SIGINT\)/);
      expect(journalRows(home, `SELECT state FROM upload_jobs`)).toEqual([{ state: "uploading" }]);
    } finally {
      await server.close();
    }
  }, 60_000);
});
