/**
 * `--metrics FILE` naming the file a command works on: `file put photo.jpg --metrics photo.jpg`
 * (a completed command line, a mistyped one) replaced the photo just shared with the metrics text,
 * and `file get … --out a.jpg --metrics a.jpg` the verified file just fetched, both with exit 0.
 * Refused as a usage error before anything is done, whether spelled alike or through a link.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function setup() {
  const dir = tempDir("scc-cli-metrics-same-");
  const bytes = randomBytes(20_000);
  const path = join(dir, "photo.jpg");
  writeFileSync(path, bytes);
  return { dir, bytes, path, home: join(dir, "home") };
}

describe("file put --metrics naming the file to share", () => {
  test.each([
    ["the same path", (path: string) => path],
    ["a link to it", (path: string) => {
      const link = join(path, "..", "metrics-link.prom");
      symlinkSync(path, link);
      return link;
    }],
  ])("%s: a usage error before anything is shared, and the file is kept", async (_name, metricsFor) => {
    const { bytes, path, home } = setup();
    const put = await runCliInProcess(["file", "put", path, "--home", home, "--metrics", metricsFor(path)]);
    expect(sha256(readFileSync(path)), "the shared file was replaced by the metrics").toBe(sha256(bytes));
    expect(put.code, put.stderr).toBe(EXIT.USAGE);
    expect(put.stderr).toMatch(/--metrics .* is the file to share \(.*photo\.jpg\)/);
    expect(put.stdout).toBe("");
    expect(existsSync(home), "the home was touched").toBe(false);
  });
});

describe("file get --metrics naming --out", () => {
  test("a usage error before anything is fetched; the verified file was replaced by the metrics", async () => {
    const { dir, bytes, path, home } = setup();
    const put = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const { base64 } = JSON.parse(put.stdout) as { base64: string };
    const out = join(dir, "fetched.jpg");

    const get = await runCliInProcess(["file", "get", base64, "--home", home, "--out", out, "--metrics", out]);
    expect(get.code, get.stderr).toBe(EXIT.USAGE);
    expect(get.stderr).toMatch(/--metrics .*fetched\.jpg.* is --out/);
    expect(existsSync(out)).toBe(false);

    // The same get without the mistake writes the file.
    const again = await runCliInProcess(["file", "get", base64, "--home", home, "--out", out, "--metrics", join(dir, "get.prom")]);
    expect(again.code, again.stderr).toBe(0);
    expect(sha256(readFileSync(out))).toBe(sha256(bytes));
  });
});
