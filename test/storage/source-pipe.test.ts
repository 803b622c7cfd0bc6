import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

describe("a source replaced by a pipe before its upload runs", () => {
  test("the upload fails E_SOURCE_MISSING instead of blocking on the pipe (and stop() returns)", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(createLocalBackend({ dir: join(dir, "store") }));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    backend.beforePut = () => gate;
    const { client } = await startClient({ dir, backend, jobsInFlight: 1 });
    const first = client.share({ path: writeRandomFile(dir, "first.bin", 10 * KiB).path });
    const { path } = writeRandomFile(dir, "second.bin", 10 * KiB);
    const second = client.share({ path });
    rmSync(path);
    execFileSync("mkfifo", [path]);
    open();
    await expect(first.done).resolves.toMatchObject({ jobId: first.id });
    await expect(second.done).rejects.toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(/no longer a regular file/) });
    await client.stop();
    await backend.close();
  });

  test("renewal of an expired piece whose source is now a pipe reads the piece back instead of blocking on the pipe", async () => {
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, clock: { now: () => clock.t } });
    const { path } = writeRandomFile(dir, "shared.bin", 10 * KiB);
    await client.share({ path }).done;
    rmSync(path);
    execFileSync("mkfifo", [path]);
    clock.t += 31 * 24 * 3600 * 1000;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.length).toBeGreaterThan(0);
  });
});
