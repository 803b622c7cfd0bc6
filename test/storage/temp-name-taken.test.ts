/**
 * A download's temp file is made anew (O_EXCL, O_NOFOLLOW); what is at its name is removed first,
 * never opened (src/fs/made-anew.ts). Another user's symbolic link there, in a sticky folder such as
 * /tmp, cannot be removed (EPERM): the download fails E_LOCAL_IO saying the name is taken and what
 * to do (details.taken, symbolicLink), writing nothing into or through the link, which stays, and
 * neither does the file it names change. That branch had no test (the suite runs as root, who may
 * remove anything): as root the client runs as the unprivileged user 65534 and the link is user
 * 1000's; as another user, the folder is made unwritable after the link is put there (EACCES, the
 * same branch).
 */
import { randomUUID } from "node:crypto";
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";
import { shareRandomFile } from "./support/journaled-download.js";

const CHILD = "test/storage/support/temp-name-taken-child.ts";
const ROOT = process.getuid?.() === 0;

/** Every file and folder under `path` given to `uid` (the child's user). */
function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), uid);
}

test("another user's link at a queued download's temp file name, not removable: E_LOCAL_IO naming it, nothing written through it", async () => {
  const work = tempDir("scc-temp-taken-");
  chmodSync(work, 0o755);
  const { reference } = await shareRandomFile(work, 100_000);
  // The destination's folder, shared like /tmp (sticky: only an entry's owner may remove it), holding the planted link.
  const shared = join(work, "shared");
  mkdirSync(shared);
  chmodSync(shared, ROOT ? 0o1777 : 0o755);
  const victim = join(work, "victim.txt");
  writeFileSync(victim, "the user's own file\n");
  const id = randomUUID();
  const dest = join(shared, "photo.jpg");
  const temp = `${dest}.${id.slice(0, 8)}.part`;
  symlinkSync(victim, temp);
  const db = new Database(join(work, "state.sqlite"));
  const at = Date.now();
  db.prepare(
    `INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, attempts, last_error, created_at, updated_at) VALUES (?, 'queued', ?, ?, ?, 0, NULL, ?, ?)`,
  ).run(id, reference, dest, temp, at, at);
  db.close();
  const node = [process.execPath, ...nodeArgs(CHILD), work, id];
  let run;
  if (ROOT) {
    lchownSync(temp, 1000, 1000);
    // The client's own files are the child's; the shared folder and the link are not.
    for (const part of ["store", "data", "state.sqlite", "state.sqlite-wal", "state.sqlite-shm"]) {
      if (existsSync(join(work, part))) chownTree(join(work, part), 65534);
    }
    chownSync(work, 65534, 65534);
    run = spawnCollecting("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", ...node]);
  } else {
    chmodSync(shared, 0o555);
    run = spawnCollecting(node[0] as string, node.slice(1));
  }
  const { code, stdout, stderr } = await run;
  chmodSync(shared, 0o755);
  expect(code, stderr).toBe(0);
  const { outcome, state } = JSON.parse(stdout) as { outcome: { code: string; message: string; details: Record<string, unknown> }; state: string };
  expect(state).toBe("failed");
  expect(outcome.code).toBe("E_LOCAL_IO");
  expect(outcome.details).toMatchObject({ taken: true, symbolicLink: true, code: ROOT ? "EPERM" : "EACCES", path: temp });
  expect(outcome.message).toContain(`cannot make its temp file ${temp}: a symbolic link this client did not make is there and cannot be removed`);
  expect(readlinkSync(temp)).toBe(victim);
  expect(readFileSync(victim, "utf8")).toBe("the user's own file\n");
}, 60_000);
