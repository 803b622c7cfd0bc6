/**
 * A creating `migrate up` (or first open) killed outright runs no clean-up and leaves its hidden
 * draft `.FILE.new-<pid>-<hex>` with its sidecars. The next `migrate up` or openState removes the
 * drafts whose creator is gone and never one whose creator lives (a concurrent creator): each
 * creator holds an OS lock beside its draft (`.owner-lock`), which the OS lets go of when it dies;
 * a draft without one (an older build's) is judged by its pid. The creators here are the real CLI
 * (test/cli/support/paused-cli.ts) held as its run on the draft begins, so each has its draft on disk.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { inspectState, migrateState, openState } from "../../src/state/index.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";
import { STATE_FIXTURES } from "./support/files.js";

interface Creator {
  child: ChildProcess;
  pid: number;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  go(): void;
}

/** A `migrate up --db path` held as its draft's migration run begins (BEGIN IMMEDIATE: the catalog's own check of the migrations, in memory, runs CREATE TABLE before any draft exists). */
async function heldCreator(path: string): Promise<Creator> {
  const go = join(tempDir("scc-draft-go-"), "go");
  const child = spawn(process.execPath, [...nodeArgs("test/cli/support/paused-cli.ts"), "migrate", "up", "--db", path], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PAUSE_SQL: "^BEGIN IMMEDIATE", PAUSE_GO: go },
    stdio: ["ignore", "ignore", "pipe"],
  });
  onTestFinished(() => void child.kill("SIGKILL"));
  let stderr = "";
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  const paused = new Promise<void>((resolve) =>
    child.stderr?.on("data", (b: Buffer) => {
      stderr += b.toString("utf8");
      if (stderr.includes("paused\n")) resolve();
    }),
  );
  await Promise.race([paused, closed]);
  expect(stderr, "the creator must stop at BEGIN IMMEDIATE").toContain("paused\n");
  return { child, pid: child.pid as number, closed, go: () => writeFileSync(go, "") };
}

async function killed(path: string): Promise<number> {
  const creator = await heldCreator(path);
  creator.child.kill("SIGKILL");
  expect(await creator.closed).toEqual({ code: null, signal: "SIGKILL" });
  return creator.pid;
}

const hidden = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith(".")).sort();
const ofPid = (names: string[], pid: number): string[] => names.filter((f) => f.startsWith(`.state.sqlite.new-${pid}-`));

describe("drafts left by a creator killed outright", () => {
  test("migrate up removes a killed creator's draft (owner lock free) and an older build's of a gone pid; a live creator's, and a lock-less one whose pid lives, stay; the live one then finishes", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    const dead = await killed(path);
    const deadFiles = ofPid(hidden(dir), dead);
    // The draft and its owner lock at least (SQLite's journal too, mid-transaction).
    expect(deadFiles).toEqual(expect.arrayContaining([expect.stringMatching(/^\.state\.sqlite\.new-\d+-[0-9a-f]{8}$/), expect.stringMatching(/\.owner-lock$/)]));
    const live = await heldCreator(path);
    const liveFiles = ofPid(hidden(dir), live.pid);
    expect(liveFiles.length).toBeGreaterThan(0);
    // As a build before the owner locks left them: a draft and its -wal, no lock; one of a gone pid, one of a live one.
    const oldDead = [`.state.sqlite.new-${dead}-0badf00d`, `.state.sqlite.new-${dead}-0badf00d-wal`];
    const oldLive = [`.state.sqlite.new-${live.pid}-0badf00d`];
    for (const f of [...oldDead, ...oldLive]) writeFileSync(join(dir, f), "");

    const result = await migrateState({ path, direction: "up" });
    expect(result.after.level).toBe(3);
    expect(hidden(dir)).toEqual([...liveFiles, ...oldLive].sort());

    // The live creator finds the name taken, migrates the file as it is (nothing to do) and cleans up its own.
    live.go();
    expect(await live.closed).toEqual({ code: 0, signal: null });
    expect(hidden(dir)).toEqual(oldLive);
    expect(inspectState(path)).toMatchObject({ level: 3, problem: undefined });
  }, 120_000);

  test("the app's open removes a killed creator's draft, whether it creates the file or opens one put there since", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    await killed(path);
    expect(hidden(dir)).not.toEqual([]);
    const created = await openState({ path });
    created.close();
    expect(hidden(dir)).toEqual([]);

    const other = tempDir();
    const there = join(other, "state.sqlite");
    await killed(there);
    expect(hidden(other)).not.toEqual([]);
    copyFileSync(join(STATE_FIXTURES, "level2.sqlite"), there);
    const opened = await openState({ path: there });
    opened.close();
    expect(hidden(other)).toEqual([]);
  }, 120_000);
});
