import { cpSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

function rootWithLinks(): string {
  const root = tempDir("scc-schema-links-");
  for (const v of ["v2", "v3"]) cpSync(join(PROJECT_ROOT, "proto", "status", "storage", v), join(root, v), { recursive: true });
  // v3's attachment.proto is v2's, unchanged: kept once, linked from the newer folder.
  rmSync(join(root, "v3", "attachment.proto"));
  symlinkSync(join("..", "v2", "attachment.proto"), join(root, "v3", "attachment.proto"));
  return root;
}

describe("schema check with .proto files that are links (a file shared, unchanged, between version folders)", () => {
  test("a linked file is read like any other: v2 → v3 passes (exit 0); its messages were left out of the project's rules, which reported them removed (BREAKING, exit 1) while buf, following the link, found nothing", async () => {
    const r = await runCliInProcess(["schema", "check", "--all", "--root", rootWithLinks(), "--json"]);
    expect(r.code, r.stdout.slice(0, 3000) + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, counts: { errors: 0 } });
  }, 60_000);

  test("a linked folder that leads back to one already walked (a loop) is walked once, not until the file limit", async () => {
    const root = rootWithLinks();
    symlinkSync(".", join(root, "v3", "again"));
    const r = await runCliInProcess(["schema", "check", "--all", "--root", root, "--json"]);
    expect(r.code, r.stdout.slice(0, 3000) + r.stderr).toBe(0);
  }, 60_000);
});
