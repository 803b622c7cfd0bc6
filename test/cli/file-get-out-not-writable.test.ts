/**
 * `file get --out` where the download cannot put its file: a pipe, a socket or a device at PATH,
 * or a folder the user may not write (a read-only file system). The download found out itself:
 * exit 5 (a storage failure, which a CI job retries) with a failed job left in the journal, and
 * for a pipe or device the library's advice to call fetchStream, which a CLI user has not got.
 * Each is now a usage error (exit 2) before the home is touched, saying to give a file's path or
 * a folder one can write. The read-only folder is a read-only bind mount where this process may
 * mount (root on Linux), else a folder without write permission, run as nobody when root.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { journalRows, PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { readOnlyFolderWith, runCliFor } from "../state/support/read-only-folder.js";

/** A home with one shared file; its reference. */
async function shared(dir: string): Promise<{ home: string; ref: string }> {
  const home = join(dir, "home");
  const source = join(dir, "photo.jpg");
  writeFileSync(source, Buffer.alloc(2000, 3));
  const put = await runCliInProcess(["file", "put", source, "--home", home]);
  expect(put.code, put.stderr).toBe(EXIT.OK);
  return { home, ref: (JSON.parse(put.stdout) as { base64: string }).base64 };
}

/** Jobs the journal holds: a refusal before anything started leaves none. */
function downloadJobs(home: string): number {
  return Number(journalRows(home, "select count(*) as n from download_jobs")[0]?.["n"]);
}

describe("file get --out that is not a file", () => {
  test("a pipe (FIFO): exit 2 saying to give a file's path, the pipe left as it is, no job", async () => {
    const dir = tempDir("scc-out-fifo-");
    const { home, ref } = await shared(dir);
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const r = await runCliInProcess(["file", "get", ref, "--out", fifo, "--home", home]);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toContain(`--out ${fifo} is a pipe (FIFO)`);
    expect(r.stderr).toMatch(/give the path of a file\. Nothing was downloaded\./);
    expect(r.stderr).not.toMatch(/fetchStream/);
    expect(r.stdout).toBe("");
    expect(readdirSync(dir).sort()).toEqual(["home", "photo.jpg", "pipe"]);
    expect(downloadJobs(home)).toBe(0);
  });

  test("a socket: exit 2", async () => {
    const dir = tempDir("scc-out-sock-");
    const { home, ref } = await shared(dir);
    const sock = join(dir, "s.sock");
    const server: Server = createServer();
    await new Promise<void>((listening) => server.listen(sock, listening));
    try {
      const r = await runCliInProcess(["file", "get", ref, "--out", sock, "--home", home]);
      expect(r.code, r.stderr).toBe(EXIT.USAGE);
      expect(r.stderr).toContain(`--out ${sock} is a socket`);
      expect(downloadJobs(home)).toBe(0);
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});

describe("file get --out in a folder the user cannot write", () => {
  test("exit 2 naming the folder, before the home is touched; nothing in the folder", async () => {
    const folder = readOnlyFolderWith([]);
    const source = join(folder.workDir, "photo.jpg");
    writeFileSync(source, Buffer.alloc(2000, 5));
    const home = join(folder.workDir, "home");
    const put = await runCliFor(folder, ["file", "put", source, "--home", home], PROJECT_ROOT);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    const ref = (JSON.parse(put.stdout) as { base64: string }).base64;

    const out = join(folder.dir, "copy.jpg");
    const r = await runCliFor(folder, ["file", "get", ref, "--out", out, "--home", home], PROJECT_ROOT);
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(new RegExp(`--out ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} cannot be written: (it is on a read-only file system|you may not write in it), .* \\((EROFS|EACCES)\\); give a path in a folder you can write\\. Nothing was downloaded\\.`));
    expect(r.stdout).toBe("");
    expect(readdirSync(folder.dir)).toEqual([]);
    expect(downloadJobs(home)).toBe(0);
  }, 60_000);

  test("an existing read-only file in a writable folder is replaced, as before (the rename needs the folder, not the file)", async () => {
    const dir = tempDir("scc-out-ro-file-");
    const { home, ref } = await shared(dir);
    const out = join(dir, "copy.jpg");
    writeFileSync(out, "older", { mode: 0o444 });
    const r = await runCliInProcess(["file", "get", ref, "--out", out, "--home", home]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(existsSync(out)).toBe(true);
    expect(JSON.parse(r.stdout)).toMatchObject({ path: out, size: 2000 });
  });
});
