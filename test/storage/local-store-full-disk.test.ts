/**
 * The local store on a disk that refuses a block (a child under a file-size limit: a write past it
 * fails with EFBIG, as a full disk's does with ENOSPC).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

const CHILD = fileURLToPath(new URL("./support/local-put-refused-child.ts", import.meta.url));
const MiB = 1024 * 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe("local store on a disk that refuses the block", () => {
  test("a streamed put fails E_LOCAL_IO, closes its source (no descriptor held), leaves no temp file, and the next put fits", async () => {
    const dir = tempDir();
    const source = join(dir, "video.bin");
    writeFileSync(source, randomBytes(4 * MiB));
    const store = join(dir, "store");
    const result = await runUnderFileSizeLimit([process.execPath, ...nodeArgs(CHILD), store, source], 1 * MiB, { cwd: process.cwd() });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ code: "E_LOCAL_IO", sourceClosed: true, small: "stored" });
    expect(filesUnder(store)).toHaveLength(1);
  });
});
