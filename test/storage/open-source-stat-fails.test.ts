import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { tempDir } from "../support/temp-dir.js";

// The upload's own open succeeds, then the stat on that handle fails (EIO on a failing card, a
// network share dropping): the handle must still be closed, or each failed share leaks a descriptor.
const probe = vi.hoisted(() => ({ statFails: false, closed: 0, opened: 0 }));
vi.mock("../../src/storage/file-io.js", async (importReal) => {
  const real = await importReal<typeof import("../../src/storage/file-io.js")>();
  return {
    ...real,
    openAppFile: async (path: string) => {
      const handle = await real.openAppFile(path);
      probe.opened++;
      const close = handle.close.bind(handle);
      handle.close = async () => {
        probe.closed++;
        return close();
      };
      if (probe.statFails) {
        handle.stat = (async () => {
          throw Object.assign(new Error(`EIO: i/o error, fstat`), { code: "EIO", errno: -5, syscall: "fstat" });
        }) as typeof handle.stat;
      }
      return handle;
    },
  };
});

const { openSource } = await import("../../src/storage/upload/open-source.js");

describe("openSource when the stat after the open fails", () => {
  test("closes the handle it opened and reports E_LOCAL_IO naming the job", async () => {
    const dir = tempDir();
    const path = join(dir, "photo.jpg");
    await writeFile(path, Buffer.alloc(1000, 7));
    probe.statFails = true;
    const error = await openSource(path, 1000, "job-1").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(probe.opened).toBe(1);
    expect(probe.closed).toBe(1);
    expect(error).toMatchObject({ code: "E_LOCAL_IO" });
    expect((error as Error).message).toContain("upload job-1");
  });
});
