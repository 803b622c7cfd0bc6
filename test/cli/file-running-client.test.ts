/** A file command on a home whose state a running storage client (an embedding app) uses. */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { inspectState } from "../../src/state/index.js";
import { createLocalBackend, StorageClient } from "../../src/storage/index.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat file beside a running storage client", () => {
  test("a put of a newer protocol refuses (exit 4) without migrating the state the running older client uses", async () => {
    const home = tempDir("scc-cli-running-");
    const statePath = join(home, "state.sqlite");
    const store = createLocalBackend({ dir: join(home, "store") });
    const client = await StorageClient.open({ protocol: 2, backend: store, statePath, dataDir: join(home, "data"), renewEveryMs: 0 });
    onTestFinished(async () => {
      await client.stop();
      await store.close();
    });
    const levelBefore = inspectState(statePath).level;
    const path = join(home, "photo.jpg");
    writeFileSync(path, randomBytes(2000));

    // A separate process: the locks are the operating system's, held per process.
    const put = await runCli(["file", "put", path, "--protocol", "3", "--home", home]);

    expect(put.code, put.stderr).toBe(4);
    expect(put.stdout).toBe("");
    expect(put.stderr).toMatch(/E_STATE_LOCKED.*a storage client is using/);
    expect(inspectState(statePath).level).toBe(levelBefore);
  }, 60_000);
});
