/**
 * `migrate status --db /data/My Folder/state.sqlite` (a path with a space, not quoted) gave the
 * command a second word, and it answered "expected one of status, up, down" to a user who had given
 * status: the usage error named the wrong mistake. A word after the action is now named as the one
 * not expected, with the hint that a path with spaces goes in quotes; an unknown action is named as
 * given. Exit 2 either way, nothing opened or created.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

test("a path with a space, unquoted: exit 2 naming the word after the action and the quotes, not 'expected one of status, up, down'", async () => {
  const dir = tempDir();
  for (const action of ["status", "up", "down"]) {
    const r = await runCliInProcess(["migrate", action, "--db", join(dir, "My"), "Folder.sqlite"]);
    expect(r.code, action).toBe(2);
    expect(r.stderr, action).not.toContain("expected one of status, up, down");
    expect(r.stderr, action).toContain(`migrate ${action}: unexpected "Folder.sqlite"`);
    expect(r.stderr, action).toContain("quotes");
  }
  expect(readdirSync(dir)).toEqual([]);
});

test("an unknown action is named as given; none at all says which to give", async () => {
  const typo = await runCliInProcess(["migrate", "stauts", "--db", "x.sqlite"]);
  expect(typo.code).toBe(2);
  expect(typo.stderr).toContain('expected one of status, up, down, not "stauts"');
  const none = await runCliInProcess(["migrate", "--db", "x.sqlite"]);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain("give one of status, up, down");
});
