import { readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { runCliInProcess, startCli } from "../support/cli.js";
import { runCliUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat state fixture", () => {
  test("writes a database at the release's level with Status-shaped values and exactly N rows", async () => {
    const out = join(tempDir(), "f.sqlite");
    const r = await runCliInProcess(["state", "fixture", "--release", "0.3.0", "--rows", "5_000", "--out", out, "--json"]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { level: number; rows: number; tables: Record<string, number> };
    expect(summary).toMatchObject({ level: 3, rows: 5000 });
    const total = Object.entries(summary.tables).filter(([t]) => !t.startsWith("_retired_")).reduce((s, [, n]) => s + n, 0);
    expect(total).toBe(5000);
    const db = new Database(out, { readonly: true });
    try {
      expect(db.pragma("user_version", { simple: true })).toBe(3);
      for (const key of db.prepare("SELECT public_key FROM peers LIMIT 50").pluck().all() as string[]) expect(key).toMatch(/^0x04[0-9a-f]{128}$/);
      for (const cid of db.prepare("SELECT cid FROM cd_pointers LIMIT 50").pluck().all() as string[]) expect(cid).toMatch(/^zDv[1-9A-HJ-NP-Za-km-z]{40,}$/);
      for (const h of db.prepare("SELECT sha256 FROM upload_pieces LIMIT 50").pluck().all() as Buffer[]) expect(h.length).toBe(32);
      expect(db.pragma("foreign_key_check")).toEqual([]);
      for (const t of Object.keys(summary.tables)) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(summary.tables[t]);
    } finally {
      db.close();
    }
  });

  test("refuses to overwrite, and rejects bad counts and releases", async () => {
    const dir = tempDir();
    const out = join(dir, "f.sqlite");
    expect((await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "10", "--out", out])).code).toBe(0);
    const again = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "10", "--out", out]);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/already exists/);
    expect((await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "ten", "--out", join(dir, "g")])).code).toBe(2);
    expect((await runCliInProcess(["state", "fixture", "--release", "1.0.0", "--rows", "10", "--out", join(dir, "g")])).code).toBe(3);
  });

  test("--out in a missing folder is a usage error (exit 2) naming --out and its folder, nothing written; it exited 4 ('the state database refused') about a FILE.partial the user never named", async () => {
    const dir = tempDir();
    const out = join(dir, "missing", "f.sqlite");
    const r = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "10", "--out", out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error[E_USAGE]: state fixture: the folder of --out ${out} does not exist`);
    expect(r.stderr).not.toContain(".partial");
    expect(readdirSync(dir)).toEqual([]);
  });

  test.each(["SIGINT", "SIGTERM"] as const)(
    "%s while the rows are written: the command ends by the signal with one line on stderr and leaves nothing in the folder; it died at once leaving FILE.partial (tens of MB) and its .migrate-lock",
    async (signal) => {
      const dir = tempDir();
      const out = join(dir, "f.sqlite");
      // 300,000 rows: the first table (peers, 45,000 rows) is written in about a second, and the
      // rest takes seconds more (a million rows spent 2.5 s before the signal, for nothing more).
      const cli = startCli(["state", "fixture", "--release", "0.3.0", "--rows", "300_000", "--out", out], { STATUS_COMPAT_LOG_LEVEL: "debug" });
      let sent = false;
      // The first table of rows is written; the biggest ones are still to come.
      void cli.stderrHas('"table":"peers"').then(() => {
        sent = true;
        cli.child.kill(signal);
      });
      const ended = await cli.closed;
      const { stdout, stderr } = cli.output;
      expect(sent, stderr).toBe(true);
      expect(ended, stderr.slice(-2000)).toEqual({ code: null, signal });
      expect(stdout).toBe("");
      expect(stderr.trimEnd().split("\n").at(-1)).toBe(`status-compat state fixture: interrupted (${signal}); nothing was written to ${out}`);
      expect(readdirSync(dir)).toEqual([]);
    },
    60_000,
  );

  test("a disk that refuses the rows (no file may grow past 1 MiB): exit 4 with E_STATE_IO naming FILE, nothing left in the folder; it ended as an internal error (exit 70, 'a bug: please report it') with SqliteError's stack", async () => {
    const dir = tempDir();
    const out = join(dir, "f.sqlite");
    const r = await runCliUnderFileSizeLimit(["state", "fixture", "--release", "0.2.0", "--rows", "100000", "--out", out], 1024 * 1024);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`^status-compat state fixture: error\\[E_STATE_IO\\]: cannot write the fixture ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: disk I/O error`, "m"));
    expect(r.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("two runs to the same --out at once: one writes FILE with its own rows, the other is refused (exit 4, FILE exists) and nothing else is left; the second deleted the first's .partial, the first then renamed the second's unfinished file as its own and reported its own rows, the second ended as an internal error (exit 70)", async () => {
    const dir = tempDir();
    const out = join(dir, "f.sqlite");
    const start = (rows: string, seed: string): { ended: Promise<{ code: number | null; stdout: string; stderr: string }>; firstTable: Promise<void> } => {
      const cli = startCli(["state", "fixture", "--release", "0.2.0", "--rows", rows, "--seed", seed, "--out", out, "--json"], { STATUS_COMPAT_LOG_LEVEL: "debug" });
      return { ended: cli.closed.then(({ code }) => ({ code, ...cli.output })), firstTable: cli.stderrHas('"table":"peers"') };
    };
    const first = start("300000", "1");
    // The second starts while the first is writing its rows.
    await Promise.race([first.firstTable, first.ended]);
    const second = start("200000", "2");
    const results = [await first.ended, await second.ended];
    const codes = results.map((r) => r.code).sort();
    expect(codes, results.map((r) => r.stderr.slice(-600)).join("\n---\n")).toEqual([0, 4]);
    const winner = results.find((r) => r.code === 0) as { stdout: string };
    const loser = results.find((r) => r.code === 4) as { stderr: string };
    expect(loser.stderr).toMatch(/error\[E_STATE_IO\]: .*already exists/);
    const summary = JSON.parse(winner.stdout) as { rows: number; tables: Record<string, number> };
    expect(readdirSync(dir)).toEqual(["f.sqlite"]);
    const db = new Database(out, { readonly: true });
    try {
      for (const [t, n] of Object.entries(summary.tables)) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(n);
    } finally {
      db.close();
    }
  }, 60_000);
});
