/**
 * A `file put` that failed (its node answered 503 for every attempt at some pieces, after others
 * were stored) left a failed upload in the home's journal with those pieces, and running the same
 * command again started a new share: a new key, every piece sent again. retry() keeps an upload's
 * stored pieces, and the command run again now does what it would: the failed upload of the same
 * file and protocol runs again, sending only the pieces it lacks.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, onTestFinished, test } from "vitest";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { startFaultProxy } from "../support/fault-proxy/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const PIECE = 4 * 1024 * 1024;

/** A Codex test server behind a proxy that answers 503 to every put after the first while `refuse.on`; a three-piece file. */
async function failingPut() {
  const server = await startCodexTestServer();
  const refuse = { after: 1, on: true, puts: 0, through: 0 };
  const proxy = await startFaultProxy({
    target: server.url,
    faultRate: 1,
    // Retry-After: the refused pieces make their second attempt 2 s later, once the first piece's put is through and journaled.
    randomFaults: [{ kind: "status", status: 503, body: "busy", headers: { "Retry-After": "2" } }],
    // The first piece's put goes through; every other put is answered 503 while `on`.
    eligible: (request) => {
      if (request.method !== "POST") return false;
      const refused = refuse.on && ++refuse.puts > refuse.after;
      if (!refused) refuse.through++;
      return refused;
    },
  });
  onTestFinished(async () => {
    await proxy.close();
    await server.close();
  });
  const dir = tempDir("scc-cli-put-failed-");
  const path = join(dir, "video.mp4");
  // Three pieces of the default 4 MiB.
  const bytes = randomBytes(2 * PIECE + 10_000);
  writeFileSync(path, bytes);
  const home = join(dir, "home");
  const put = ["file", "put", path, "--home", home, "--backend", "codex", "--codex-url", proxy.url, "--attempts", "2"];
  const failed = await runCliInProcess(put);
  expect(failed.code, failed.stderr).toBe(5);
  expect(refuse.through, "puts let through").toBe(1);
  const db = new Database(join(home, "state.sqlite"), { readonly: true });
  const journaled = db.prepare(`SELECT count(*) FROM upload_pieces`).pluck().get();
  db.close();
  expect(journaled, "pieces the failed put stored").toBe(1);
  refuse.on = false;
  return { server, refuse, dir, bytes, home, put };
}

describe("file put run again after it failed", () => {
  test("sends only the pieces the failed put did not store, and prints a reference that fetches the file", async () => {
    const { server, refuse, dir, bytes, put } = await failingPut();
    const again = await runCliInProcess(put);
    expect(again.code, again.stderr).toBe(0);
    expect(refuse.through - 1, "puts of the second run: only the two pieces the first did not store").toBe(2);
    expect(again.stderr).toContain("runs again");

    const printed = JSON.parse(again.stdout) as { base64: string; pieces: unknown[] };
    expect(printed.pieces).toHaveLength(3);
    const out = join(dir, "copy.mp4");
    const get = await runCliInProcess(["file", "get", printed.base64, "--out", out, "--home", join(dir, "home-rx"), "--backend", "codex", "--codex-url", server.url]);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  test("one the client forgets as it starts (ended over 30 days ago) is shared anew, not refused", async () => {
    const { refuse, home, put } = await failingPut();
    const db = new Database(join(home, "state.sqlite"));
    db.prepare(`UPDATE upload_jobs SET updated_at = ?`).run(Date.now() - 31 * 24 * 3600 * 1000);
    db.close();
    const again = await runCliInProcess(put);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("runs again");
    expect(refuse.through - 1, "a new share: every piece").toBe(3);
  });
});
