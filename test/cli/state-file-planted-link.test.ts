/**
 * `migrate --db`, `upgrade --db` and `state fixture --out` through another user's symbolic link in a
 * sticky folder everyone may write (/tmp): the link may have been put there to have a root job (a CI
 * release script) migrate, or create, a file of that user's choosing. stateFileTarget refuses it as
 * a usage error (writeTarget, the kernel's fs.protected_symlinks rule) before anything is opened,
 * and the file it names is neither changed nor made. The rule's other side is pinned too: the
 * user's own link there, and one of the folder's owner, are followed. Root only: giving a link to
 * another user, and a folder, takes it. In process.
 */
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, siblings } from "../state/support/files.js";

const NOBODY = 65534;

/** A sticky folder everyone may write (owned by `owner`), and a folder of the victim's files outside it. */
function layout(owner = 0): { shared: string; mine: string } {
  const dir = tempDir("scc-state-planted-");
  const shared = join(dir, "tmp");
  const mine = join(dir, "mine");
  mkdirSync(shared);
  mkdirSync(mine);
  chownSync(shared, owner, owner);
  chmodSync(shared, 0o1777);
  return { shared, mine };
}

/** A link at `path` to `to`, owned by `uid`. */
function linkOf(uid: number, to: string, path: string): string {
  symlinkSync(to, path);
  lchownSync(path, uid, uid);
  return path;
}

function sha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

const PLANTED = /is a symbolic link of another user \(uid 65534\) in .*, a folder everyone may write/;

describe.runIf(process.getuid?.() === 0)("another user's link in a sticky shared folder as the state file", () => {
  test.each([
    ["migrate up", ["migrate", "up"], "Nothing was written."],
    ["migrate down", ["migrate", "down"], "Nothing was written."],
    ["migrate status", ["migrate", "status"], "Nothing was written."],
    ["upgrade", ["upgrade", "--from", "0.1.0", "--to", "0.3.0"], "Nothing was rehearsed."],
    ["upgrade --dry-run", ["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--dry-run"], "Nothing was rehearsed."],
  ])("%s --db through it to an existing database: usage error (exit 2) naming the link; the database it names is unchanged, nothing made beside it", async (_, command, nothingDone) => {
    const { shared, mine } = layout();
    const victim = copyFixture(1, mine, "state.sqlite");
    const before = sha(victim);
    const link = linkOf(NOBODY, victim, join(shared, "state.sqlite"));
    const args = [...command, "--db", link, ...(command[0] === "upgrade" ? ["--work-dir", tempDir()] : [])];
    const result = await runCliInProcess(args);
    expect(result.code, result.stderr + result.stdout).toBe(EXIT.USAGE);
    expect(result.stderr).toMatch(PLANTED);
    expect(result.stderr).toContain(`--db ${link}`);
    expect(result.stderr).toContain(nothingDone);
    expect(sha(victim)).toBe(before);
    expect(siblings(victim)).toEqual(["state.sqlite"]);
  });

  test("migrate up --db through it, dangling: usage error (exit 2); the file it names is not made", async () => {
    const { shared, mine } = layout();
    const chosen = join(mine, "state.sqlite");
    const link = linkOf(NOBODY, chosen, join(shared, "state.sqlite"));
    const result = await runCliInProcess(["migrate", "up", "--db", link]);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stderr).toMatch(PLANTED);
    expect(readdirSync(mine)).toEqual([]);
  });

  test("state fixture --out through it, dangling: usage error (exit 2) before any row; the file it names is not made", async () => {
    const { shared, mine } = layout();
    const chosen = join(mine, "fixture.sqlite");
    const link = linkOf(NOBODY, chosen, join(shared, "fixture.sqlite"));
    const result = await runCliInProcess(["state", "fixture", "--release", "0.2.0", "--rows", "100", "--out", link]);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stderr).toMatch(PLANTED);
    expect(result.stderr).toContain("Nothing was written.");
    expect(readdirSync(mine)).toEqual([]);
    expect(readdirSync(shared)).toEqual(["fixture.sqlite"]);
  });

  test("a chain through such a link (the user's own link to a path where one was planted): refused the same", async () => {
    const { shared, mine } = layout();
    const victim = copyFixture(1, mine, "state.sqlite");
    const before = sha(victim);
    linkOf(NOBODY, victim, join(shared, "planted"));
    const own = linkOf(0, join(shared, "planted"), join(shared, "own"));
    const result = await runCliInProcess(["migrate", "up", "--db", own]);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stderr).toMatch(PLANTED);
    expect(sha(victim)).toBe(before);
  });

  test("the user's own link there, and one of the folder's owner, are followed (the kernel's rule, not every link)", async () => {
    const { shared, mine } = layout();
    const victim = copyFixture(1, mine, "state.sqlite");
    const own = linkOf(0, victim, join(shared, "own.sqlite"));
    const up = await runCliInProcess(["migrate", "up", "--db", own, "--to", "0002_level2_dual_path"]);
    expect(up.code, up.stderr).toBe(EXIT.OK);

    const other = layout(NOBODY);
    const theirs = copyFixture(1, other.mine, "state.sqlite");
    const ownersLink = linkOf(NOBODY, theirs, join(other.shared, "state.sqlite"));
    const fixture = linkOf(NOBODY, join(other.mine, "fixture.sqlite"), join(other.shared, "fixture.sqlite"));
    const status = await runCliInProcess(["migrate", "status", "--db", ownersLink]);
    expect(status.code, status.stderr).toBe(EXIT.OK);
    const made = await runCliInProcess(["state", "fixture", "--release", "0.2.0", "--rows", "100", "--out", fixture]);
    expect(made.code, made.stderr).toBe(EXIT.OK);
    expect(existsSync(join(other.mine, "fixture.sqlite"))).toBe(true);
  });
});
