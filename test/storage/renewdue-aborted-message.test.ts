/**
 * renewDue({ signal }) with a signal that had already fired failed E_ABORTED (right) with the message
 * "renewal (waiting for the one in progress) was aborted by the caller" although no renewal ran: an
 * application (or its support team reading the log) went looking for a run in progress that did
 * not exist. It now says the renewal was aborted, nothing about another.
 */
import { describe, expect, test } from "vitest";
import { startClient } from "./support/client-fixture.js";

describe("renewDue() with a signal already aborted", () => {
  test("fails E_ABORTED without speaking of a renewal in progress when none runs", async () => {
    const { client } = await startClient({ renewEveryMs: 0 });
    await client.renewDue();
    const error = await client.renewDue({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_ABORTED" });
    expect((error as Error).message).toMatch(/renewal/);
    expect((error as Error).message).not.toMatch(/in progress/);
    // Nothing was queued behind it: the next call runs as usual.
    await expect(client.renewDue()).resolves.toBeDefined();
  });
});
