/**
 * `--codex-url "$CODEX_URL"` with the variable unset or empty: the user asked for a Codex node, and
 * the empty value was read as no flag at all, so `file put` stored the file in the local store
 * without a word (exit 0, "backend":"local"): a reference whose pieces no other device can fetch.
 * An empty `--home` is refused for the same reason; so is an empty `--codex-url` now.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("an empty --codex-url", () => {
  test.each([
    ["file put", (path: string, _dir: string) => ["file", "put", path]],
    ["file get", (_path: string, dir: string) => ["file", "get", "CgA=", "--out", join(dir, "copy.jpg")]],
  ] as const)("%s: a usage error before the home is touched; the file went to the local store", async (_name, argv) => {
    const dir = tempDir("scc-cli-empty-codex-url-");
    const path = join(dir, "photo.jpg");
    writeFileSync(path, "a small photo");
    const home = join(dir, "home");

    const r = await runCliInProcess([...argv(path, dir), "--home", home, "--codex-url", ""]);

    expect(r.stdout).toBe("");
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/--codex-url needs a URL \(it was empty\)/);
    expect(existsSync(home), "the home was touched").toBe(false);
  });
});
