import { spawn } from "node:child_process";
import { readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { startClient } from "./support/client-fixture.js";

const CHILD = fileURLToPath(new URL("./support/spool-crash-child.ts", import.meta.url));

function killedWhileSpooling(work: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, work], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGTERM"), 30_000);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      if (stderr !== "") reject(new Error(stderr));
      else resolve(signal);
    });
  });
}

describe("a crash while bytes are being spooled", () => {
  test("the spool's temp file it leaves is removed by a later start (once it is old enough not to be another writer's)", async () => {
    const work = tempDir("scc-spool-crash-");
    expect(await killedWhileSpooling(work)).toBe("SIGKILL");
    const spool = join(work, "data", "spool");
    const parts = readdirSync(spool).filter((n) => n.endsWith(".part"));
    expect(parts).toHaveLength(1);
    // A fresh one may be another process's write in progress: left alone.
    const first = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    await first.client.stop();
    expect(readdirSync(spool).filter((n) => n.endsWith(".part"))).toEqual(parts);
    // An hour and more ago: no writer is still at it.
    const past = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const name of parts) utimesSync(join(spool, name), past, past);
    await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    expect(readdirSync(spool).filter((n) => n.endsWith(".part"))).toEqual([]);
  });
});
