import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { journalRows, runCli, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat file get BASE64 of a reference pasted cut short", () => {
  test("a cut on a field boundary (the paste lost the key and everything after the pieces) exits 3 with E_BAD_REFERENCE saying the reference looks cut, before any download; it said a field 'is required but missing (readers reject the message without it)', as for a writer's bug", async () => {
    const dir = tempDir("scc-cli-cut-ref-");
    const home = join(dir, "home");
    writeFileSync(join(dir, "clip.mp4"), randomBytes(300_000));
    const put = await runCliInProcess(["file", "put", join(dir, "clip.mp4"), "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const reference = Buffer.from((JSON.parse(put.stdout) as { base64: string }).base64, "base64");
    // Field 1 (the pieces) comes first; the first byte of field 2 (encryption) is 0x12.
    const encryptionAt = reference.indexOf(0x12, 2 + (reference[1] as number));
    expect(reference[0]).toBe(0x0a);
    expect(encryptionAt).toBe(2 + (reference[1] as number));
    const cut = reference.subarray(0, encryptionAt).toString("base64");
    const out = join(dir, "got.mp4");
    const r = await runCliInProcess(["file", "get", cut, "--out", out, "--home", home]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/error\[E_BAD_REFERENCE\]: the file reference looks cut: it ends before its encryption .*copy the whole reference again/);
    expect(r.stdout).toBe("");
    expect(existsSync(out)).toBe(false);
    expect(journalRows(home, "SELECT id FROM download_jobs")).toEqual([]);
  }, 60_000);

  test("a paste that ends with the ellipsis a shortened message shows (… or ...) exits 3 with E_BAD_REFERENCE saying it looks cut; it said the reference is not base64, sending the user to check which field they copied", async () => {
    const dir = tempDir("scc-cli-cut-ref-");
    const home = join(dir, "home");
    writeFileSync(join(dir, "clip.mp4"), randomBytes(1000));
    const put = await runCliInProcess(["file", "put", join(dir, "clip.mp4"), "--home", home]);
    expect(put.code, put.stderr).toBe(0);
    const { base64 } = JSON.parse(put.stdout) as { base64: string };
    for (const [i, shown] of [`${base64.slice(0, 60)}…`, `${base64.slice(0, 61)}...`, `${base64.slice(0, 62)} …`].entries()) {
      // The first through a real process, the … in argv as a shell passes it; the others in this process.
      const r = await (i === 0 ? runCli : runCliInProcess)(["file", "get", shown, "--out", join(dir, "got.bin"), "--home", home]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/error\[E_BAD_REFERENCE\]: the file reference looks cut: it ends with an ellipsis/);
    }
    expect(existsSync(join(dir, "got.bin"))).toBe(false);
  }, 60_000);
});
