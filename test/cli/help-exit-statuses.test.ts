/**
 * What `--help` says a command exits with is what a script reading it branches on. Every command
 * that runs long enough to be stopped watches Ctrl-C, SIGTERM and SIGHUP (interrupts.ts) and ends
 * by that signal (130, 143, 129), as the README's exit table says; matrix, upgrade and state
 * fixture handle a hangup so (they remove their work files first) but their --help named only 130
 * and 143, so a CI wrapper or a release engineer's script written from it read 129 as unknown.
 */
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";

/** `releases` prints a table and returns: nothing to stop, so no signal statuses to document. */
const LONG_RUNNING = [["matrix"], ["schema", "check"], ["migrate"], ["upgrade"], ["state", "fixture"], ["file", "put"], ["file", "get"]];

describe("--help of every command that can be stopped names each signal's exit status", () => {
  test.each(LONG_RUNNING.map((path) => [path.join(" "), path] as const))("%s --help: 130 (Ctrl-C), 143 (SIGTERM) and 129 (SIGHUP)", async (_name, path) => {
    const r = await runCliInProcess([...path, "--help"]);
    expect(r.code).toBe(0);
    const exit = r.stdout.slice(r.stdout.lastIndexOf("\nExit:"));
    expect(exit).toMatch(/\b130 interrupted by Ctrl-C\b/);
    expect(exit).toMatch(/\b143 SIGTERM\b/);
    expect(exit).toMatch(/\b129 SIGHUP\b/);
  });

  test("the list above is every command but releases", async () => {
    const { commands } = await import("../../src/cli/commands/index.js");
    expect(commands.map((c) => c.path.join(" ")).sort()).toEqual([...LONG_RUNNING.map((p) => p.join(" ")), "releases"].sort());
  });
});

describe("help for a command that does not exist", () => {
  test("`help nope` names the command the user typed, not the --help the CLI added to it", async () => {
    const r = await runCliInProcess(["help", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "nope"');
    expect(r.stderr).not.toContain('"nope --help"');
    expect(r.stdout).toBe("");
    const inGroup = await runCliInProcess(["help", "file", "nope"]);
    expect(inGroup.code).toBe(2);
    expect(inGroup.stderr).toContain('unknown command "file nope"');
    expect(inGroup.stderr).toContain("status-compat file put PATH");
  });
});
