/**
 * `migrate status` reads a WAL database it cannot read where it is (a read-only file system) from
 * a copy in the OS temp folder. Killed outright while it has that copy (SIGKILL: the OOM killer, a
 * CI timeout), no handler runs and the copy (the database's size) stayed in TMPDIR for good, one
 * more per killed run. The next run that makes such a copy in that folder now removes it.
 */
import { spawn } from "node:child_process";
import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { readOnlyFolderWith, runCliFor } from "../state/support/read-only-folder.js";
import { sharedFixture } from "../state/support/shared-fixture.js";
import { nodeArgs } from "../support/node-args.js";

describe("migrate status killed while it reads a copy", () => {
  test("SIGKILL once the copy is in TMPDIR leaves it; the next status on such a file removes it", async () => {
    const big = join(tempDir(), "big.sqlite");
    // The 200,000 rows other files copy too, written once per run (not again for this file).
    copyFileSync(await sharedFixture({ level: 1, rows: 200_000 }), big);
    const folder = readOnlyFolderWith([big]);
    const path = join(folder.dir, "big.sqlite");
    const ours = (): string[] => readdirSync(folder.workDir).filter((f) => !f.startsWith("tsx-"));
    const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), "migrate", "status", "--db", path], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TMPDIR: folder.workDir },
      stdio: ["ignore", "pipe", "pipe"],
      ...folder.spawnAs,
    });
    onTestFinished(() => void child.kill("SIGKILL"));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    let done = false;
    void ended.then(() => (done = true));
    while (!done && !ours().some((f) => f.startsWith("big.sqlite.read-only-"))) await sleep(2);
    expect(done, `${folder.how}: the copy never appeared: ${stderr}`).toBe(false);
    child.kill("SIGKILL");
    expect(await ended).toEqual({ code: null, signal: "SIGKILL" });
    expect(ours()).toHaveLength(1);

    const again = await runCliFor(folder, ["migrate", "status", "--db", path, "--json"], PROJECT_ROOT, { TMPDIR: folder.workDir });
    expect(again.code, `${folder.how}: ${again.stderr}`).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ level: 1, problem: null });
    expect(ours()).toEqual([]);
  }, 60_000);
});
