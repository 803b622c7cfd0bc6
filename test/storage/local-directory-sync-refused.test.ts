/**
 * After the rename a put syncs the block's folder, so the new name survives a power cut. Windows
 * cannot do that: a directory opens, but FlushFileBuffers on it (what fsync is there) fails with
 * EPERM (nodejs/node#3879), as some Linux file systems answer EINVAL. The block was already whole
 * and in place, yet every put of the embedded store failed E_LOCAL_IO on Status desktop for
 * Windows. The OS's answer is given here by a pass-through wrapper of node:fs/promises: a handle
 * opened on a folder whose sync() is refused; everything else is the real module.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";

/** While `code` is set, sync() of a handle opened on a folder under `root` fails with it. */
const fault = vi.hoisted(() => ({ root: "", code: "", refused: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const { statSync } = await import("node:fs");
  const open = (async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const path = String(args[0]);
    if (fault.code === "" || fault.root === "" || !path.startsWith(fault.root) || !statSync(path).isDirectory()) return handle;
    return new Proxy(handle, {
      get(target, key) {
        if (key === "sync") {
          return async () => {
            fault.refused++;
            throw Object.assign(new Error(`${fault.code}: operation not permitted, fsync`), { code: fault.code, syscall: "fsync" });
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }) as typeof real.open;
  return { ...real, default: { ...real, open }, open };
});

describe("a local put where the OS cannot sync a folder", () => {
  for (const code of ["EPERM", "EINVAL"]) {
    test(`${code} from a folder's sync (Windows; some Linux file systems): the put stores the block and returns its CID, not E_LOCAL_IO`, async () => {
      const dir = tempDir("scc-local-dir-sync-");
      const store = createLocalBackend({ dir });
      fault.root = dir;
      fault.code = code;
      fault.refused = 0;
      const bytes = randomBytes(5000);
      let outcome: unknown;
      try {
        outcome = await store.put(bytes).catch((e: unknown) => e);
      } finally {
        fault.code = "";
      }
      expect(fault.refused).toBeGreaterThan(0);
      expect(typeof outcome, String(outcome)).toBe("string");
      const digest = createHash("sha256").update(bytes).digest("hex");
      expect(existsSync(join(dir, "blocks", digest.slice(0, 2), digest))).toBe(true);
      expect(await store.has(outcome as string)).toBe(true);
      await store.close();
    });
  }

  test("a folder's sync refused for another cause (EIO: the disk failing) still fails the put E_LOCAL_IO", async () => {
    const dir = tempDir("scc-local-dir-sync-eio-");
    const store = createLocalBackend({ dir });
    fault.root = dir;
    fault.code = "EIO";
    let outcome: unknown;
    try {
      outcome = await store.put(randomBytes(5000)).catch((e: unknown) => e);
    } finally {
      fault.code = "";
    }
    expect(outcome).toMatchObject({ code: "E_LOCAL_IO" });
    await store.close();
  });
});
