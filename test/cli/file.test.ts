import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { runCli, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

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
});
