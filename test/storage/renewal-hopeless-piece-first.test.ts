import { rmSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

describe("renewal in short sessions with a piece that can no longer be renewed cheaply", () => {
  test("a piece the node lost whose source is gone (only a network read, which Codex answers by hanging, is left) does not keep every later file from being renewed in a session shorter than that read", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000 });
    server.behaviour.missingContent = "hang";
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    // Attempts as long as a phone's session: the hanging read is cut only by the session's end.
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, retry: { attemptTimeoutMs: 60_000, maxAttempts: 1, deadlineMs: 120_000 } });
    const lostFile = writeRandomFile(dir, "old.jpg", 10 * KiB);
    const lost = await client.share({ path: lostFile.path }).done;
    clock.t += HOUR;
    const kept = await client.share({ path: writeRandomFile(dir, "new.jpg", 100 * KiB).path }).done;
    // The older file's piece is gone from the node, and the user deleted the photo since.
    await backend.delete(lost.view.pieces[0]?.cid as string);
    rmSync(lostFile.path);
    clock.t = start + 28 * DAY;

    // Two short sessions (a phone app opened for a moment): the first run ends with the session,
    // during the read; the second, within the renewal interval, does not read it again (91496e5) and
    // reports it failed with its source's error.
    await expect(client.renewDue({ signal: AbortSignal.timeout(1_500) })).rejects.toMatchObject({ code: "E_TIMEOUT" });
    clock.t += 60 * 1000;
    expect(await client.renewDue({ signal: AbortSignal.timeout(1_500) })).toEqual({ renewed: [], failed: [{ cid: lost.view.pieces[0]?.cid, code: "E_SOURCE_MISSING" }] });
    // The newer file, whose pieces the node still has, was renewed: 30 days from now.
    expect(await client.status(kept.reference)).toEqual({ state: "available", expiresAt: start + 58 * DAY });
  });
});
