import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { runScript } from "../support/script-child.js";
import { bytesKeptIn, startClient } from "./support/client-fixture.js";

const CHILD = fileURLToPath(new URL("./support/spool-lost-cached-crash-child.ts", import.meta.url));

let work: string | undefined;
afterEach(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  work = undefined;
});

describe("a share of bytes killed before its spool write, of bytes the cache holds (a received file)", () => {
  test("the next start uploads it from the cached file instead of failing E_SOURCE_MISSING, and the received file stays as it was", async () => {
    work = mkdtempSync(join(tmpdir(), "scc-spool-lost-cached-"));
    const { signal, stderr } = await runScript(CHILD, [work], 90_000);
    expect(stderr).toBe("");
    expect(signal).toBe("SIGKILL");
    const bytes = readFileSync(join(work, "bytes.bin"));
    const data = join(work, "data");
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: data });
    const pending = client.jobs().filter((j) => j.kind === "upload" && j.state !== "done");
    expect(pending).toHaveLength(1);
    const { reference } = await client.job(pending[0]?.id as string).done as { reference: Uint8Array };
    // The upload sent those very bytes: a fetch of its reference to a file of the app's gives them back.
    const out = join(work, "out.bin");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    // The received file is still the content's one copy, as it was, counted once.
    const cached = readdirSync(join(data, "cache")).filter((n) => !n.endsWith(".part"));
    expect(cached).toHaveLength(1);
    expect(readFileSync(join(data, "cache", cached[0] as string)).equals(bytes)).toBe(true);
    expect(client.usage().usedBytes).toBe(bytesKeptIn(data));
    expect(client.usage().usedBytes).toBe(bytes.byteLength);
  });
});
