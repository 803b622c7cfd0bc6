/**
 * A --codex-url or --api-prefix the Codex backend cannot use was refused in the library's words,
 * which name its options, not the command's: "file put: Codex API URL is not a valid URL" (the URL
 * of which flag, typed how?), "Codex backend option apiPrefix must be …". A CI job's URL comes from
 * a variable; the message names the flag and, when it holds no user name or password, the value.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("file put/get: a Codex URL or API prefix the backend cannot use", () => {
  test.each([
    [["--codex-url", "not a url"], '--codex-url "not a url"'],
    [["--codex-url", "ftp://127.0.0.1:1"], '--codex-url "ftp://127.0.0.1:1"'],
    [["--codex-url", "http://127.0.0.1:1/?node=1"], '--codex-url "http://127.0.0.1:1/?node=1"'],
    [["--codex-url", "http://127.0.0.1:1", "--api-prefix", "api v1"], '--api-prefix "api v1"'],
  ])("%j: the flag and its value are named (exit 2)", async (flags, named) => {
    const dir = tempDir("scc-cli-codex-url-");
    writeFileSync(join(dir, "a.bin"), "some bytes");
    for (const command of [["file", "put", join(dir, "a.bin")], ["file", "get", "AAAA", "--out", join(dir, "b.bin")]]) {
      const r = await runCliInProcess([...command, "--home", join(dir, "home"), ...flags]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${command.slice(0, 2).join(" ")}: ${named}: `);
    }
  });

  test("a URL with a password is named by its flag alone: the password is not written to a CI log", async () => {
    const dir = tempDir("scc-cli-codex-url-");
    const r = await runCliInProcess(["file", "get", "AAAA", "--out", join(dir, "b.bin"), "--home", join(dir, "home"), "--codex-url", "ftp://user:s3cret@127.0.0.1:1"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("file get: --codex-url (holding a user name or password, not shown): ");
    expect(r.stderr).not.toContain("s3cret");
  });
});
