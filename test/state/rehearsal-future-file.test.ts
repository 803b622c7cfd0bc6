import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { rehearseUpgrade } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { sha256File, siblings } from "./support/files.js";
import { fileFromNewerRelease } from "./support/future-file.js";

describe("rehearseUpgrade of a file a newer release wrote", () => {
  test("a compat level above every level this build knows fails the source line as E_STATE_FROM_FUTURE, naming the build's newest level; nothing copied or written", async () => {
    const work = tempDir();
    const path = fileFromNewerRelease(tempDir(), 4);
    const hash = sha256File(path);
    const files = siblings(path);
    const report = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: work });
    expect(report.verdict).toBe("failed");
    expect(report.checks.map((c) => [c.id, c.status, c.code])).toEqual([["source", "failed", "E_STATE_FROM_FUTURE"]]);
    const detail = report.checks[0]?.detail ?? "";
    expect(detail).toMatch(/compat level 4: a release newer than this build wrote it/);
    expect(detail).toMatch(/state levels up to 3, that of release 0\.3\.0\)/);
    expect(detail).toMatch(/status-compat of the release that wrote it/);
    expect(report.summary).toMatch(/^the file is from a release newer than this build knows \(E_STATE_FROM_FUTURE/);
    expect(readdirSync(work)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("a file at a level this build does not know but a compat level it does is still only the --from release's mismatch (no E_STATE_FROM_FUTURE)", async () => {
    const path = fileFromNewerRelease(tempDir(), 3);
    const report = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir() });
    expect(report.checks.map((c) => [c.id, c.status, c.code])).toEqual([["source", "failed", undefined]]);
    expect(report.checks[0]?.detail).toMatch(/compat level 3: release 0\.2\.0 cannot be using it/);
  });
});
