/**
 * keepReplacedAttributes(Sync) and creationModeFor/Of take the mode of the regular file a rename
 * replaces, never of a file a link there names: the rename replaces the link itself, and a link put
 * at the destination after the command's checks (another user's, in /tmp) would otherwise have the
 * output take the mode and owner of a file that user chose.
 */
import { chmodSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { creationModeFor, creationModeOf, keepReplacedAttributes, keepReplacedAttributesSync } from "../../src/fs/index.js";
import { tempDir } from "../support/temp-dir.js";

function file(path: string, mode: number): string {
  writeFileSync(path, "x");
  chmodSync(path, mode);
  return path;
}

const modeOf = (path: string): string => (statSync(path).mode & 0o7777).toString(8);

describe("the replaced file's mode", () => {
  test("a regular file's permission bits are given (set-id and sticky bits are not)", async () => {
    const dir = tempDir("scc-fs-mode-");
    const target = file(join(dir, "target"), 0o4640);
    const sync = file(join(dir, "a"), 0o644);
    keepReplacedAttributesSync(sync, target);
    expect(modeOf(sync)).toBe("640");
    const later = file(join(dir, "b"), 0o644);
    await keepReplacedAttributes(later, target);
    expect(modeOf(later)).toBe("640");
    expect(creationModeFor(target).toString(8)).toBe("640");
    expect((await creationModeOf(target)).toString(8)).toBe("640");
  });

  test("a link at the destination gives nothing: the replacement keeps its own mode, a new file the default", async () => {
    const dir = tempDir("scc-fs-mode-link-");
    const chosen = file(join(dir, "chosen"), 0o600);
    const link = join(dir, "link");
    symlinkSync(chosen, link);
    const sync = file(join(dir, "a"), 0o644);
    keepReplacedAttributesSync(sync, link);
    expect(modeOf(sync)).toBe("644");
    const later = file(join(dir, "b"), 0o644);
    await keepReplacedAttributes(later, link);
    expect(modeOf(later)).toBe("644");
    expect(creationModeFor(link).toString(8)).toBe("666");
    expect((await creationModeOf(link)).toString(8)).toBe("666");
    expect(creationModeFor(join(dir, "missing")).toString(8)).toBe("666");
  });
});
