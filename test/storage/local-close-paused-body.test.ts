import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";

/** Descriptors this process holds open on files under `dir`. */
function openUnder(dir: string): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(join("/proc/self/fd", fd)).startsWith(dir)) count++;
    } catch {
      // closed between the listing and the look
    }
  }
  return count;
}

test("close() releases the file of a get body the caller paused mid-read, and its next read fails E_CLIENT_CLOSED", async () => {
  const dir = tempDir();
  const backend = createLocalBackend({ dir });
  const cid = await backend.put(new Uint8Array(3 * 1024 * 1024).fill(7));
  const { body } = await backend.get(cid);
  const reader = body[Symbol.asyncIterator]();
  const first = await reader.next();
  expect(first.done).toBe(false);
  expect(openUnder(dir)).toBe(1);
  await backend.close();
  // A closed component leaves no file handle behind, even while its reader waits to pull the next chunk.
  expect(openUnder(dir)).toBe(0);
  await expect(reader.next()).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  expect(openUnder(dir)).toBe(0);
});
