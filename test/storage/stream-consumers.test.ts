import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { codexSetup, eventually, pattern } from "./codex-fixtures.js";
import { KiB, startClient } from "./support/client-fixture.js";

/** Long enough that only the consumer going away can end a hung piece within a test. */
const PATIENT_RETRY = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 120_000, deadlineMs: 600_000, maxAttempts: 3 } as const;

/** Settles with "settled", or "hung" after `ms`: a bound on a hang, not a timing assertion. */
function settlesWithin(promise: Promise<unknown>, ms = 10_000): Promise<"settled" | "hung"> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), ms);
  });
  return Promise.race([promise.then(() => "settled" as const, () => "settled" as const), hung]).finally(() => clearTimeout(timer));
}

async function streamingClient() {
  const { server, backend } = await codexSetup({ requestTimeoutMs: 120_000 });
  const { client } = await startClient({ dir: tempDir(), backend, streamsInFlight: 1, piecesInFlight: 2, retry: PATIENT_RETRY });
  const bytes = pattern(320 * KiB, 7);
  const { reference } = await client.share({ bytes, fileName: "x.bin" }).done;
  return { server, client, bytes, reference };
}

describe("fetchStream and a consumer that goes away", () => {
  test("a stream destroyed while a piece hangs ends at once: the fetch is aborted, its connection closed and its slot given to the next stream", async () => {
    const { server, client, bytes, reference } = await streamingClient();
    server.inject("download", { kind: "hang", phase: "after-headers" }, { times: 100 });
    const readable = Readable.from(client.fetchStream(reference));
    readable.on("data", () => undefined);
    expect(await eventually(() => (server.stats.byRoute.download ?? 0) >= 1)).toBe(true);
    const closed = new Promise((resolve) => readable.once("close", resolve));
    readable.destroy();
    expect(await settlesWithin(closed), "the destroyed stream's close").toBe("settled");
    // The share's idle keep-alive connections would otherwise stay open for the server's 5 s timeout.
    server.closeIdleConnections();
    expect(await eventually(() => server.openConnections() === 0), "the hung download's connection is closed").toBe(true);
    server.clearFaults();
    const parts: Buffer[] = [];
    const next = (async () => {
      for await (const part of client.fetchStream(reference)) parts.push(part);
    })();
    expect(await settlesWithin(next), "the next stream (one slot)").toBe("settled");
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  });
});
