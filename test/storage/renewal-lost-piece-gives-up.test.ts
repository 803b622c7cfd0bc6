/**
 * A piece the network lost whose source file is gone can be renewed only by a read from the
 * network (another node may still hold it). That read used to be made on every renewal run, for
 * good: every endpoint, the policy's attempts, every 6 h and at every start, long after the TTL
 * left nothing to find. Now it is made at most once per renewal interval (counted across
 * restarts), and never again once a read made after its last confirmed storage was a TTL old found
 * no endpoint with it: the file is `expired`, and the piece is reported failed with its source's
 * error without a request.
 */
import { rmSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("renewal of a piece the network lost whose source is gone", () => {
  test("it is read from the network at most once per renewal interval (across restarts), and never once its TTL has passed", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const options = { dir, backend, clock: { now: () => clock.t }, renewEveryMs: 6 * HOUR, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } };
    let { client } = await startClient(options);
    const photo = writeRandomFile(dir, "photo.jpg", 10 * KiB);
    const shared = await client.share({ path: photo.path }).done;
    const cid = shared.view.pieces[0]?.cid as string;
    // The node lost the piece, and the user deleted the photo after sending it.
    await backend.delete(cid);
    rmSync(photo.path);
    // Requests other than /exists (answered at once from the node's own store): the reads.
    const reads = (): number => server.stats.requests - (server.stats.byRoute.exists ?? 0);
    const run = async (): Promise<number> => {
      const before = reads();
      expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
      return reads() - before;
    };

    clock.t = start + 27 * DAY;
    expect(await run()).toBeGreaterThan(0);
    // Within the interval: neither a run of the same session nor the next start's reads it again.
    clock.t += HOUR;
    expect(await run()).toBe(0);
    await client.stop();
    ({ client } = await startClient(options));
    clock.t += HOUR;
    expect(await run()).toBe(0);
    // An interval later it is read again (another node may have had it meanwhile).
    clock.t = start + 27 * DAY + 6 * HOUR + MINUTE;
    expect(await run()).toBeGreaterThan(0);

    // Its TTL passed. Read once more (a node with a longer TTL would still have it): no endpoint has
    // it, so nothing can bring it back; no run reads it again, however late, and the file is expired.
    clock.t = start + 30 * DAY + 6 * HOUR;
    expect(await run()).toBeGreaterThan(0);
    for (const later of [7 * HOUR, 10 * DAY]) {
      clock.t += later;
      expect(await run()).toBe(0);
    }
    await client.stop();
    ({ client } = await startClient(options));
    clock.t += 7 * HOUR;
    expect(await run()).toBe(0);
    expect(await client.status(shared.reference)).toEqual({ state: "expired", expiresAt: start + 30 * DAY });
  });

  test("a read that found every endpoint unreachable does not count: the next run reads it again", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 6 * HOUR, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 } });
    const photo = writeRandomFile(dir, "photo.jpg", 10 * KiB);
    const shared = await client.share({ path: photo.path }).done;
    const cid = shared.view.pieces[0]?.cid as string;
    rmSync(photo.path);
    clock.t = start + 28 * DAY;
    // Offline: the node answers nothing but 503s (a proxy in front of a restarting node).
    server.inject("*", { kind: "status", status: 503, body: "Service Unavailable" }, { times: 1_000 });
    const offline = await client.renewDue();
    expect(offline.renewed).toEqual([]);
    expect(offline.failed).toEqual([{ cid, code: "E_SOURCE_MISSING" }]);
    server.clearFaults();
    clock.t += MINUTE;
    // Back online a minute later: the piece the node still has is renewed.
    expect(await client.renewDue()).toEqual({ renewed: [cid], failed: [] });
  });

  test("a read cut by the end of a short session (Codex hangs on a block it lost) counts too: the next sessions within the interval do not read it again", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000 });
    server.behaviour.missingContent = "hang";
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 6 * HOUR, retry: { attemptTimeoutMs: 60_000, maxAttempts: 1, deadlineMs: 120_000 } });
    const photo = writeRandomFile(dir, "photo.jpg", 10 * KiB);
    const shared = await client.share({ path: photo.path }).done;
    await backend.delete(shared.view.pieces[0]?.cid as string);
    rmSync(photo.path);
    clock.t = start + 28 * DAY;
    const reads = (): number => server.stats.byRoute.download ?? 0;
    // Three app sessions of a second each, a few minutes apart: each renewal run ends with its session.
    const perSession: number[] = [];
    const session = async (): Promise<void> => {
      const before = reads();
      const run = client.renewDue({ signal: AbortSignal.timeout(1_000) }).then(
        (report) => report,
        (error: { code?: string }) => error.code,
      );
      const ended = await run;
      perSession.push(reads() - before);
      // Cut by the session (E_TIMEOUT) while it read; reported failed with its source's error when it does not read.
      expect(["E_TIMEOUT", { renewed: [], failed: [{ cid: shared.view.pieces[0]?.cid, code: "E_SOURCE_MISSING" }] }]).toContainEqual(ended);
    };
    for (let n = 0; n < 3; n++) {
      await session();
      clock.t += 5 * MINUTE;
    }
    expect(perSession).toEqual([1, 0, 0]);
    // Past its TTL a read cut short proves nothing (the node may have answered a moment later): not given up on its word.
    clock.t = start + 30 * DAY + HOUR;
    await session();
    clock.t += 7 * HOUR;
    await session();
    expect(perSession).toEqual([1, 0, 0, 1, 1]);
  });
});

