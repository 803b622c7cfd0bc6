/**
 * `file put`, `file get` and `migrate up` on a disk that refuses writes, as real processes under a file-size
 * limit (RLIMIT_FSIZE: a write past it fails with EFBIG, as a full disk's fails with ENOSPC). The
 * command fails with E_LOCAL_IO (exit 5) or the state layer's code (exit 4), leaves nothing half
 * written under a real name, and the next run without the limit finds a working state database.
 * Only the runs under the limit need a process of their own (the limit is the process's); the runs
 * after them are in this process.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { openState } from "../../src/state/index.js";
import { CURRENT_PROTOCOL, profileFor } from "../../src/versions/index.js";
import { journalRows, runCliInProcess } from "../support/cli.js";
import { runUnderFileSizeLimit, runCliUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";

const KiB = 1024;
const MiB = 1024 * KiB;
/** Three pieces at the client's 4 MiB piece size (4 + 4 + 1 MiB); the CLI has no piece-size option. */
const SOURCE_BYTES = 9 * MiB;
/** Refuses a whole piece's block (4 MiB and tags) and the download's temp file; the state database and the last piece fit. */
const LIMIT = 2 * MiB;

interface PutOutput {
  base64: string;
  plaintextSha256: string;
  pieces: { cid: string; size: number; sha256: string }[];
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function setup(size = SOURCE_BYTES) {
  const dir = tempDir("scc-disk-full-");
  const bytes = randomBytes(size);
  const path = join(dir, "video.mp4");
  writeFileSync(path, bytes);
  return { dir, bytes, path, home: join(dir, "home") };
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every block of the local store, by the name it is stored under. */
function storedBlocks(home: string): Map<string, Buffer> {
  const blocks = new Map<string, Buffer>();
  const root = join(home, "store", "blocks");
  for (const shard of filesIn(root)) {
    for (const name of filesIn(join(root, shard))) blocks.set(`${shard}/${name}`, readFileSync(join(root, shard, name)));
  }
  return blocks;
}

/** No block under a real name holds bytes other than its name says, and no write is left half done in incoming/. */
function expectSoundStore(home: string): Map<string, Buffer> {
  const blocks = storedBlocks(home);
  for (const [name, bytes] of blocks) {
    const digest = sha256Hex(bytes);
    expect(name, `block ${name} holds ${bytes.byteLength} bytes that hash to ${digest}`).toBe(`${digest.slice(0, 2)}/${digest}`);
  }
  expect(filesIn(join(home, "store", "incoming"))).toEqual([]);
  return blocks;
}

const E_LOCAL_IO_EFBIG = /file-size limit \(`ulimit -f`\).*; raise the limit.*\(EFBIG\)\.$/;

/** stderr without the log lines (pino JSON, warnings and above by default). */
function errorLines(stderr: string): string[] {
  return stderr
    .trimEnd()
    .split("\n")
    .filter((line) => !line.startsWith("{"));
}

describe("file put / get when the local disk refuses writes", () => {
  test("the test's file-size limit is the one asked for (a POSIX shell's ulimit -f counts 512-byte blocks)", async () => {
    const limits = await runUnderFileSizeLimit(["cat", "/proc/self/limits"], LIMIT);
    expect(limits.code, limits.stderr).toBe(0);
    expect(limits.stdout).toMatch(new RegExp(`^Max file size +${LIMIT} +${LIMIT} +bytes`, "m"));
  });

  test("put under the limit exits 5 with E_LOCAL_IO naming the store, prints no reference, and leaves only whole blocks; without the limit the same put runs the failed job again, keeping the pieces it stored, and its reference gets the file back", async () => {
    const { dir, bytes, path, home } = setup();
    const refused = await runCliUnderFileSizeLimit(["file", "put", path, "--home", home], LIMIT);
    expect(refused.code, refused.stderr).toBe(EXIT.STORAGE);
    expect(refused.stdout).toBe("");
    const [message, ...more] = errorLines(refused.stderr);
    expect(more, refused.stderr).toEqual([]);
    expect(message?.startsWith(`status-compat file put: error[E_LOCAL_IO]: put to the local store at ${join(home, "store")} failed on the local disk: `), message).toBe(true);
    expect(message).toMatch(E_LOCAL_IO_EFBIG);
    // The 4 MiB pieces were refused; the 1 MiB one may have been stored before the failure stopped the upload.
    const before = expectSoundStore(home);
    const [failed, ...others] = journalRows(home, `SELECT id, state, last_error FROM upload_jobs`);
    expect(others).toEqual([]);
    expect(failed).toMatchObject({ state: "failed", last_error: expect.stringMatching(/^E_LOCAL_IO: put to the local store at .*\(EFBIG\)\.$/) });
    const failedPieces = journalRows(home, `SELECT cid FROM upload_pieces WHERE job_id = ?`, failed?.id).map((r) => r.cid as string);
    expect(failedPieces.length).toBeLessThan(3);
    expect(before.size).toBe(failedPieces.length);

    // The next put runs the failed job again, as retry() would (2aa8a2e): the same job and key,
    // the pieces it stored kept, only the others stored now.
    const metrics = join(dir, "put.prom");
    const put = await runCliInProcess(["file", "put", path, "--home", home, "--metrics", metrics]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stderr).toContain("its earlier put failed; that upload runs again");
    const ref = JSON.parse(put.stdout) as PutOutput;
    expect(ref.plaintextSha256).toBe(sha256Hex(bytes));
    expect(ref.pieces).toHaveLength(3);
    const text = readFileSync(metrics, "utf8");
    expect(text).toMatch(new RegExp(`^status_compat_storage_pieces_total\\{direction="up",outcome="stored"\\} ${3 - failedPieces.length}$`, "m"));
    const jobs = journalRows(home, `SELECT id, state FROM upload_jobs ORDER BY created_at`);
    expect(jobs).toEqual([{ id: failed?.id, state: "done" }]);
    for (const cid of failedPieces) expect(ref.pieces.map((piece) => piece.cid)).toContain(cid);
    const after = expectSoundStore(home);
    for (const piece of ref.pieces) expect(after.has(`${piece.sha256.slice(0, 2)}/${piece.sha256}`)).toBe(true);

    const out = join(dir, "copy.mp4");
    const get = await runCliInProcess(["file", "get", ref.base64, "--out", out, "--home", home]);
    expect(get.code, get.stderr).toBe(0);
    expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(bytes));
  }, 60_000);

  test("get under the limit exits 5 with E_LOCAL_IO naming --out and leaves no file at --out nor beside it; the same get without the limit writes the verified file", async () => {
    const { bytes, path, home, dir } = setup();
    const put = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const { base64 } = JSON.parse(put.stdout) as PutOutput;
    const downloads = join(dir, "downloads");
    mkdirSync(downloads);
    const out = join(downloads, "copy.mp4");

    const refused = await runCliUnderFileSizeLimit(["file", "get", base64, "--out", out, "--home", home], LIMIT);
    expect(refused.code, refused.stderr).toBe(EXIT.STORAGE);
    expect(refused.stdout).toBe("");
    const [message, ...more] = errorLines(refused.stderr);
    expect(more, refused.stderr).toEqual([]);
    expect(message).toMatch(/^status-compat file get: error\[E_LOCAL_IO\]: download [0-9a-f-]+ to /);
    expect(message).toContain(` to ${out} failed on the local disk: `);
    expect(message).toMatch(E_LOCAL_IO_EFBIG);
    expect(readdirSync(downloads)).toEqual([]);
    expect(journalRows(home, `SELECT state, last_error FROM download_jobs WHERE dest_path = ?`, out)).toEqual([
      { state: "failed", last_error: expect.stringMatching(/^E_LOCAL_IO: download .*\(EFBIG\)\.$/) },
    ]);

    const get = await runCliInProcess(["file", "get", base64, "--out", out, "--home", home]);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({ path: out, size: bytes.byteLength, sha256: sha256Hex(bytes) });
    expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(bytes));
    expect(readdirSync(downloads)).toEqual(["copy.mp4"]);
    expect(journalRows(home, `SELECT state FROM download_jobs WHERE dest_path = ? ORDER BY created_at`, out)).toEqual([{ state: "failed" }, { state: "done" }]);
  }, 60_000);

  describe("the state database under the limit", () => {
    const tiny = randomBytes(20_000);

    // Small pieces (one 20 KB block) fit under every limit: only the state database's files (the
    // database, its WAL and its 32 KiB shared-memory index) are refused. Where each limit bites was
    // measured on this code (a job's journal writes fill the WAL: 32-52 KiB early, 56-72 KiB late,
    // from 80 KiB the put succeeds); what must hold at any limit is the next run's working database.
    test.each([
      { home: "new", limitKiB: 16, where: "migrations refused", codes: [EXIT.STATE], says: /error\[E_STATE_IO\]: cannot (start )?migrat/ },
      { home: "used", limitKiB: 24, where: "WAL index refused", codes: [EXIT.STATE], says: /error\[E_STATE_IO\]: cannot open/ },
      // The journal refuses the job's failure itself: the client still rejects the job with the cause.
      { home: "used", limitKiB: 40, where: "WAL full early", codes: [EXIT.STORAGE], says: /error\[E_LOCAL_IO\]: the state database could not be written/ },
      { home: "used", limitKiB: 64, where: "WAL full late", codes: [EXIT.STORAGE], says: /error\[E_LOCAL_IO\]: the state database could not be written \(SQLITE_\w+: .*\): the disk is full or the file is over a size limit/ },
    ])(
      "$home home, limit $limitKiB KiB ($where): the put fails with a documented status, and the next run without the limit opens the database and shares the file",
      async ({ home: which, limitKiB, codes, says }) => {
        const { dir } = setup(1);
        const path = join(dir, "note.bin");
        writeFileSync(path, tiny);
        const home = join(dir, "home");
        if (which === "used") {
          // A home that has shared a file: its state database (over 100 KiB) is already larger than the limit.
          writeFileSync(join(dir, "earlier.bin"), randomBytes(300_000));
          const earlier = await runCliInProcess(["file", "put", join(dir, "earlier.bin"), "--home", home]);
          expect(earlier.code, earlier.stderr).toBe(0);
        }

        const refused = await runCliUnderFileSizeLimit(["file", "put", path, "--home", home], limitKiB * KiB);
        expect(refused.stdout).toBe("");
        // Never Node's own crash report (status 1, which this CLI documents as "a check failed").
        expect(codes, refused.stderr).toContain(refused.code);
        // The error, on one line.
        const lines = errorLines(refused.stderr);
        expect(lines[0]).toMatch(/^status-compat( file put)?: error\[E_[A-Z_]+\]/);
        expect(lines[0]).toMatch(says);
        expect(lines, refused.stderr).toHaveLength(1);

        const put = await runCliInProcess(["file", "put", path, "--home", home]);
        expect(put.code, put.stderr).toBe(0);
        expect((JSON.parse(put.stdout) as PutOutput).plaintextSha256).toBe(sha256Hex(tiny));
        // Nothing left to resume in the background, at the level a clean home has, and sound.
        expect(journalRows(home, `SELECT state FROM upload_jobs WHERE state IN ('queued', 'uploading')`)).toEqual([]);
        const state = await openState({ path: join(home, "state.sqlite"), readOnly: true });
        try {
          expect(state.level).toBe(profileFor(CURRENT_PROTOCOL).stateLevel);
          expect(state.db.pragma("integrity_check", { simple: true })).toBe("ok");
          expect(state.db.pragma("foreign_key_check")).toEqual([]);
        } finally {
          state.close();
        }
      },
      30_000,
    );
  });
});

describe("migrate up when the local disk refuses writes", () => {
  test("a migration refused by the disk is E_STATE_IO (exit 4) saying so, not E_STATE_MIGRATION_FAILED ('a bug in the build'); the file keeps its level and migrates once the limit is gone", async () => {
    const db = join(tempDir("scc-migrate-full-"), "state.sqlite");
    const fixture = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "20000", "--out", db]);
    expect(fixture.code, fixture.stderr).toBe(0);
    // The file itself may be rewritten in place; its WAL, a new file, cannot grow past 1 MiB.
    const refused = await runCliUnderFileSizeLimit(["migrate", "up", "--db", db], 1 * MiB);
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/error\[E_STATE_IO\]: cannot run migration .*: disk I\/O error \(the disk may be full, or the file over a size limit/);
    expect(refused.stderr).not.toMatch(/E_STATE_MIGRATION_FAILED/);
    expect((await runCliInProcess(["migrate", "status", "--db", db])).stdout).toMatch(/state level +1\n/);
    const migrated = await runCliInProcess(["migrate", "up", "--db", db]);
    expect(migrated.code, migrated.stderr).toBe(0);
  }, 120_000);
});
