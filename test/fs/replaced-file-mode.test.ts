/**
 * keepReplacedAttributes(Sync) and creationModeFor/Of take the mode of the regular file a rename
 * replaces, never of a file a link there names: the rename replaces the link itself, and a link put
 * at the destination after the command's checks (another user's, in /tmp) would otherwise have the
 * output take the mode and owner of a file that user chose.
 */
import { chmodSync, closeSync, openSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { creationModeFor, creationModeFrom, creationModeOf, keepReplacedAttributes, keepReplacedAttributesSync, replacedAttributes } from "../../src/fs/index.js";
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

/** A file's facts as lstat/stat give them (the decision reads nothing else). */
function facts(mode: number, uid: number, gid: number, kind: "file" | "link" | "folder" = "file") {
  return { mode, uid, gid, isFile: () => kind === "file" };
}

describe("what a replacement is given, decided from the two files' facts (no file system)", () => {
  test("a regular file's permission bits, never its set-id or sticky bits; no owner when the replacement already has it", () => {
    expect(replacedAttributes(facts(0o104640, 1000, 100), { uid: 1000, gid: 100 })).toEqual({ mode: 0o640 });
    expect(replacedAttributes(facts(0o107777, 1000, 100), { uid: 1000, gid: 100 })).toEqual({ mode: 0o777 });
  });

  test("another owner or group is given with the mode (the chown is tried, a refused one ignored by the caller)", () => {
    expect(replacedAttributes(facts(0o100600, 65534, 65534), { uid: 0, gid: 0 })).toEqual({ mode: 0o600, owner: { uid: 65534, gid: 65534 } });
    expect(replacedAttributes(facts(0o100664, 1000, 27), { uid: 1000, gid: 1000 })).toEqual({ mode: 0o664, owner: { uid: 1000, gid: 27 } });
  });

  test("nothing replaced, or a link or a folder there: nothing given, and the default creation mode", () => {
    for (const there of [undefined, facts(0o120777, 1000, 100, "link"), facts(0o40700, 1000, 100, "folder")]) {
      expect(replacedAttributes(there, { uid: 1000, gid: 100 })).toBeUndefined();
      expect(creationModeFrom(there).toString(8)).toBe("666");
    }
    expect(creationModeFrom(facts(0o104600, 0, 0)).toString(8)).toBe("600");
  });
});

describe("given an open descriptor of the replacement, the calls are made on it", () => {
  test("a link put at the replacement's name since it was opened is not followed: the file it names keeps its mode", async () => {
    const dir = tempDir("scc-fs-mode-fd-");
    const target = file(join(dir, "target"), 0o600);
    const chosen = file(join(dir, "chosen"), 0o644);
    const replacement = join(dir, "replacement");
    const fd = openSync(replacement, "wx", 0o644);
    try {
      renameSync(replacement, join(dir, "moved"));
      symlinkSync(chosen, replacement);
      keepReplacedAttributesSync(fd, target);
    } finally {
      closeSync(fd);
    }
    expect(modeOf(join(dir, "moved")), "the opened file").toBe("600");
    expect(modeOf(chosen), "the file the link names").toBe("644");

    const handle = await open(join(dir, "later"), "wx", 0o644);
    try {
      renameSync(join(dir, "later"), join(dir, "later-moved"));
      symlinkSync(chosen, join(dir, "later"));
      await keepReplacedAttributes(handle, target);
    } finally {
      await handle.close();
    }
    expect(modeOf(join(dir, "later-moved"))).toBe("600");
    expect(modeOf(chosen)).toBe("644");
  });
});
