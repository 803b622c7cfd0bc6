/**
 * takenNameStep: what the CLI's side outputs (`<target>.partial-<pid>`) and the download's temp file
 * (`<out>.<id8>.part`) do when their O_EXCL open finds the name taken. One decision for both, from
 * the name's lstat (plain facts here, no file system); the callers' behaviour on real files is held by
 * whole-file-write-planted-partial, resume-temp-link and resume-temp-hard-link.
 */
import { describe, expect, test } from "vitest";
import { CREATE_ANEW_FLAGS, takenNameStep, type TakenNameFacts } from "../../src/fs/index.js";
import { constants } from "node:fs";

function facts(kind: "file" | "folder" | "link" | "pipe", nlink = 1): TakenNameFacts {
  return { nlink, isFile: () => kind === "file", isDirectory: () => kind === "folder", isSymbolicLink: () => kind === "link" };
}

describe("what to do with a name an O_EXCL open found taken", () => {
  test("at the first open: anything but a folder has its name removed, and is told apart for the log", () => {
    expect(takenNameStep(facts("file"), 1)).toEqual({ step: "remove", what: "a file" });
    expect(takenNameStep(facts("file", 2), 1)).toEqual({ step: "remove", what: "a hard link (a file with other names)" });
    // The same answer for the CLI and the download: a link is removed (never followed), not a failure.
    expect(takenNameStep(facts("link"), 1)).toEqual({ step: "remove", what: "a symbolic link" });
    expect(takenNameStep(facts("pipe"), 1)).toEqual({ step: "remove", what: "a pipe, socket or device" });
  });

  test("a folder is never removed: refused", () => {
    expect(takenNameStep(facts("folder"), 1)).toEqual({ step: "refuse", why: "folder" });
  });

  test("nothing there any more (removed meanwhile): open again", () => {
    expect(takenNameStep(undefined, 1)).toEqual({ step: "open-again" });
  });

  test("taken again at the second open, whatever is there: refused, not fought over", () => {
    for (const there of [undefined, facts("file"), facts("link"), facts("folder")]) {
      expect(takenNameStep(there, 2)).toEqual({ step: "refuse", why: "taken-again" });
    }
  });

  test("the open's flags make a file anew and never follow a link at the name", () => {
    for (const flag of [constants.O_WRONLY, constants.O_CREAT, constants.O_EXCL, constants.O_NOFOLLOW ?? 0]) expect(CREATE_ANEW_FLAGS & flag).toBe(flag);
    expect(CREATE_ANEW_FLAGS & constants.O_TRUNC).toBe(0);
  });
});
