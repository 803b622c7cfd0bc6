/**
 * A mistyped option is the commonest usage error. Node's parseArgs answered every one with advice
 * for a positional argument that starts with '-' (and an unclosed quote): `file put a.bin --metric
 * m.prom` said "To specify a positional argument starting with a '-', place it at the end of the
 * command after '--', as in '-- "--metric"", which is not what the user meant. The command now
 * names the option it has that is closest, and gives the '--' advice only where an argument (a path,
 * a reference) may start with '-'.
 */
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";

describe("an option the command does not have", () => {
  test.each([
    [["file", "put", "a.bin", "--metric", "m.prom"], "file put", "--metric", "--metrics"],
    [["file", "get", "AAAA", "--ot", "b.bin"], "file get", "--ot", "--out"],
    [["file", "put", "a.bin", "--codex-ulr", "http://127.0.0.1:1"], "file put", "--codex-ulr", "--codex-url"],
    [["matrix", "--cell-timout", "5"], "matrix", "--cell-timout", "--cell-timeout"],
    [["matrix", "--verbos"], "matrix", "--verbos", "--verbose"],
    [["migrate", "status", "--bd", "state.sqlite"], "migrate", "--bd", "--db"],
  ])("%j: names the option meant (exit 2), nothing run", async (args, command, given, meant) => {
    const r = await runCliInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`status-compat ${command}: error[E_USAGE]: ${command}: unknown option ${given}; did you mean ${meant}? (see --help)`);
    expect(r.stderr).not.toMatch(/positional/);
  });

  test("nothing close: the option named alone; where a path may start with '-', how to give one", async () => {
    const matrix = await runCliInProcess(["matrix", "--frobnicate"]);
    expect(matrix.code).toBe(2);
    expect(matrix.stderr).toContain("matrix: unknown option --frobnicate (see --help)");
    expect(matrix.stderr).not.toMatch(/positional|did you mean/);
    const put = await runCliInProcess(["file", "put", "-video.mp4"]);
    expect(put.code).toBe(2);
    expect(put.stderr).toContain("file put: unknown option -v (see --help); to give an argument that starts with '-', put it after --: -- -video.mp4");
  });
});
