/**
 * docs/storage.md (CLI) and `file get --help`: "`--out` must name a file in an existing folder: a
 * folder, or a missing parent folder, is a usage error (exit 2) before anything is fetched". A
 * path ending in a slash names a folder (`cp f photos/` refuses when photos is missing), but
 * `file get … --out photos/` with no folder there downloaded the file *as* `photos`; `--metrics`
 * likewise wrote a file named as the folder the user asked for.
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

async function shared(): Promise<{ dir: string; home: string; base64: string }> {
  const dir = tempDir("scc-cli-out-folder-");
  const home = join(dir, "home");
  const path = join(dir, "photo.jpg");
  writeFileSync(path, randomBytes(20_000));
  const put = await runCliInProcess(["file", "put", path, "--home", home]);
  expect(put.code, put.stderr).toBe(0);
  return { dir, home, base64: (JSON.parse(put.stdout) as { base64: string }).base64 };
}

describe("file get: an --out or --metrics that names a folder (ends with /) is a usage error", () => {
  test("--out photos/ with no folder photos: exit 2 before anything is fetched, and no file named photos", async () => {
    const { dir, home, base64 } = await shared();
    const out = join(dir, "photos") + "/";
    const got = await runCliInProcess(["file", "get", base64, "--out", out, "--home", home]);
    expect(got.code).toBe(2);
    expect(got.stderr).toContain("--out");
    expect(got.stderr).toContain("folder");
    expect(existsSync(join(dir, "photos"))).toBe(false);
    expect(got.stdout).toBe("");
  });

  test("--metrics stats/ with no folder stats: exit 2 before anything is started, and no file named stats", async () => {
    const { dir, home, base64 } = await shared();
    const got = await runCliInProcess(["file", "get", base64, "--out", join(dir, "copy.jpg"), "--metrics", join(dir, "stats") + "/", "--home", home]);
    expect(got.code).toBe(2);
    expect(got.stderr).toContain("--metrics");
    expect(existsSync(join(dir, "stats"))).toBe(false);
    expect(existsSync(join(dir, "copy.jpg"))).toBe(false);
  });
});
