/**
 * Renewal of a piece the node lost, whose source file is still there but the disk refuses to read
 * it (permission taken away, an I/O error on a failing card): renewDue() reported it
 * E_SOURCE_MISSING ("gone"), where the share path says E_LOCAL_IO for the same file (bd5e069), so the
 * app told the user the file was deleted when reading it was refused. A missing file stays
 * E_SOURCE_MISSING. The refusal is the OS's answer to the open, given here by a wrapped node:fs/promises.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";

const fault = vi.hoisted(() => ({ path: "", code: "EACCES", refused: 0 }));
vi.mock("node:fs/promises", async (importReal) => {
  const real = await importReal<typeof import("node:fs/promises")>();
  const errno: Record<string, number> = { EACCES: -13, EIO: -5 };
  const open = (async (...args: Parameters<typeof real.open>) => {
    if (fault.path !== "" && String(args[0]) === fault.path) {
      fault.refused++;
      throw Object.assign(new Error(`${fault.code}: refused, open '${fault.path}'`), { code: fault.code, errno: errno[fault.code], syscall: "open", path: fault.path });
    }
    return real.open(...args);
  }) as typeof real.open;
  return { ...real, default: { ...real, open }, open };
});

const DAY = 24 * 60 * 60 * 1000;

async function lostPieceWithSource(): Promise<{ renew: () => ReturnType<Awaited<ReturnType<typeof startClient>>["client"]["renewDue"]>; cid: string; path: string }> {
  const dir = tempDir();
  const backend = localStore(join(dir, "store"));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 0, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 } });
  const photo = writeRandomFile(dir, "photo.jpg", 10 * KiB);
  const shared = await client.share({ path: photo.path }).done;
  const cid = shared.view.pieces[0]?.cid as string;
  // The node lost the piece: only the source (or the network) can give it back.
  await backend.delete(cid);
  clock.t += 28 * DAY;
  return { renew: () => client.renewDue(), cid, path: photo.path };
}

describe("renewal of a lost piece whose source the disk refuses to read", () => {
  test.each(["EACCES", "EIO"])("the source's open failing %s is reported E_LOCAL_IO, not E_SOURCE_MISSING", async (code) => {
    const { renew, cid, path } = await lostPieceWithSource();
    fault.path = path;
    fault.code = code;
    fault.refused = 0;
    try {
      expect(await renew()).toEqual({ renewed: [], failed: [{ cid, code: "E_LOCAL_IO" }] });
      expect(fault.refused).toBeGreaterThan(0);
    } finally {
      fault.path = "";
    }
  });

  test("a source that is gone is still E_SOURCE_MISSING", async () => {
    const { renew, cid, path } = await lostPieceWithSource();
    rmSync(path);
    expect(await renew()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
  });
});
