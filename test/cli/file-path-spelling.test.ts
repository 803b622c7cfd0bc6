/**
 * One file reached by two spellings of its folder (macOS's /var and /private/var, one a link to
 * the other: $TMPDIR says /var/folders/…, a shell's pwd /private/var/folders/…). `file put` and
 * `file get` find the interrupted job of the same file by its path: the spelling must not matter.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { journalRows, PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

/** Runs the CLI as a child process and SIGKILLs it once `ready()` holds, its job left unfinished. */
async function killedWhen(args: string[], ready: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  let ended = false;
  void closed.then(() => (ended = true));
  const deadline = Date.now() + 30_000;
  while (!ready() && !ended && Date.now() < deadline) await sleep(20);
  child.kill("SIGKILL");
  if ((await closed) !== "SIGKILL" || !ready()) throw new Error(`the child was not interrupted at work: ${stderr}`);
}

describe("file put through a link to the file's folder", () => {
  test("a put interrupted through the link resumes when run again through the real folder: one job, done; it uploaded the file twice (a new job, and the interrupted one resumed alongside it)", async () => {
    const server = await startCodexTestServer();
    try {
      const dir = tempDir("scc-cli-spelling-");
      const real = join(dir, "private-var");
      mkdirSync(real);
      symlinkSync(real, join(dir, "var"));
      writeFileSync(join(real, "photo.jpg"), randomBytes(120_000));
      const home = join(dir, "home");
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const uploads = (): number => server.stats.byRoute["upload"] ?? 0;
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const before = uploads();
      await killedWhen(["file", "put", join(dir, "var", "photo.jpg"), ...codex], () => uploads() > before);
      server.clearFaults();

      const put = await runCliInProcess(["file", "put", join(real, "photo.jpg"), ...codex]);
      expect(put.code, put.stderr).toBe(0);
      expect(journalRows(home, `SELECT state FROM upload_jobs`)).toEqual([{ state: "done" }]);
    } finally {
      await server.close();
    }
  }, 90_000);
});

describe("file get through a link to --out's folder", () => {
  test("a get of A interrupted through the link, then a get of B to the same file through the real folder: B is written and A's job cancelled with its temp file; A's job was left unfinished, to resume at a later start and rename A's file over B's", async () => {
    const server = await startCodexTestServer();
    try {
      const dir = tempDir("scc-cli-spelling-");
      const home = join(dir, "home");
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const a = randomBytes(120_000);
      const b = randomBytes(90_000);
      writeFileSync(join(dir, "a.bin"), a);
      writeFileSync(join(dir, "b.bin"), b);
      const refOf = async (file: string): Promise<string> => {
        const put = await runCliInProcess(["file", "put", join(dir, file), ...codex]);
        expect(put.code, put.stderr).toBe(0);
        return (JSON.parse(put.stdout) as { base64: string }).base64;
      };
      const [refA, refB] = [await refOf("a.bin"), await refOf("b.bin")];
      const real = join(dir, "private-var");
      mkdirSync(real);
      symlinkSync(real, join(dir, "var"));
      const parts = (): string[] => readdirSync(real).filter((f) => f.endsWith(".part"));

      server.inject("download", { kind: "hang", phase: "before-headers" }, { times: 1000 });
      await killedWhen(["file", "get", refA, "--out", join(dir, "var", "x.bin"), ...codex], () => parts().length === 1);
      server.clearFaults();

      const get = await runCliInProcess(["file", "get", refB, "--out", join(real, "x.bin"), ...codex]);
      expect(get.code, get.stderr).toBe(0);
      expect(readFileSync(join(real, "x.bin")).equals(b)).toBe(true);
      const jobs = journalRows(home, `SELECT state, file_reference FROM download_jobs ORDER BY created_at`);
      expect(jobs.map((j) => [Buffer.from(j.file_reference as Buffer).toString("base64"), j.state])).toEqual([
        [refA, "cancelled"],
        [refB, "done"],
      ]);
      expect(parts()).toEqual([]);
    } finally {
      await server.close();
    }
  }, 90_000);
});
