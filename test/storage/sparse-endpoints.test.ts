/**
 * An `endpoints` array with a hole (`list[2] = b` on a list of one, `new Array(3)` filled in part, as
 * an app's settings code may build it) passed the check that each entry is a backend: forEach skips
 * holes. The hole then reached the client as `undefined`: a raw TypeError ("Cannot read properties of
 * undefined") from the light-mode constructor, and in full mode at start or at the first transfer
 * that tried it. It is refused as any entry that is no backend is: E_UNSUPPORTED naming it.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import type { StorageBackend } from "../../src/storage/backend.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function withHole(): StorageBackend[] {
  const list: StorageBackend[] = [createCodexBackend({ url: "http://127.0.0.1:9" })];
  list[2] = createCodexBackend({ url: "http://127.0.0.1:10" });
  return list;
}

describe("an endpoints array with a hole", () => {
  test.each([["light"], ["full"]])("%s mode: E_UNSUPPORTED naming endpoints[1], from the constructor", (mode) => {
    const dir = tempDir();
    const options = {
      protocol: 3,
      mode,
      ...(mode === "full" ? { backend: localStore(join(dir, "store")) } : {}),
      endpoints: withHole(),
      statePath: join(dir, "s.sqlite"),
      dataDir: join(dir, "data"),
    } as StorageClientOptions;
    const error = thrown(() => new StorageClient(options));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints" } });
    expect((error as Error).message).toMatch(/^storage client option endpoints\[1\] must be a storage backend \(createCodexBackend\), not undefined/);
  });
});
