/**
 * "-" is standard input or output to most tools. `file get REF --out -` wrote the file to a file
 * named "-" in the working folder (exit 0), where a user looked for it on stdout (which carries the
 * result JSON); `file put -` said "there is no file to share at <cwd>/-". Both are now usage errors
 * (exit 2) saying why and that ./- names a file called "-", which still works. In process, in a
 * working folder of the test's own.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

async function shared(): Promise<{ cwd: string; home: string; ref: string }> {
  const cwd = tempDir("scc-dash-");
  const home = join(cwd, "home");
  writeFileSync(join(cwd, "photo.jpg"), Buffer.alloc(2000, 8));
  const put = await runCliInProcess(["file", "put", "photo.jpg", "--home", home], process.env, cwd);
  expect(put.code, put.stderr).toBe(EXIT.OK);
  return { cwd, home, ref: (JSON.parse(put.stdout) as { base64: string }).base64 };
}

describe('"-" as a file command\'s path', () => {
  test.each([[["--out", "-"]], [["--out=-"]]])("file get %j: exit 2, no file named - made", async (flag) => {
    const { cwd, home, ref } = await shared();
    const r = await runCliInProcess(["file", "get", ref, ...flag, "--home", home], process.env, cwd);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toContain("--out - (standard output) is not written to");
    expect(r.stderr).toContain('./- for a file named "-"');
    expect(r.stdout).toBe("");
    expect(readdirSync(cwd).sort()).toEqual(["home", "photo.jpg"]);
  });

  test("file put -: exit 2 saying standard input cannot be shared", async () => {
    const { cwd, home } = await shared();
    const r = await runCliInProcess(["file", "put", "-", "--home", home], process.env, cwd);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/"-" \(standard input\) cannot be shared: .*save it to a file first/);
  });

  test("./- is a file named - for put and get", async () => {
    const { cwd, home, ref } = await shared();
    const get = await runCliInProcess(["file", "get", ref, "--out", "./-", "--home", home], process.env, cwd);
    expect(get.code, get.stderr).toBe(EXIT.OK);
    expect(readFileSync(join(cwd, "-"))).toEqual(readFileSync(join(cwd, "photo.jpg")));
    const put = await runCliInProcess(["file", "put", "./-", "--home", home], process.env, cwd);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(cwd, "-"))).toBe(true);
  });
});
