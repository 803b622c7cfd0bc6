/**
 * Every time the client journals is whole milliseconds (the state's tables are STRICT: an INTEGER
 * column refuses 1.5). The TTL is added to those times, so a TTL in fractions of a millisecond
 * failed every share after its last piece was stored, with an error blaming the state database.
 */
import { describe, expect, test } from "vitest";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const DAY = 24 * 60 * 60 * 1000;

describe("the ttlMs option", () => {
  test("a TTL that is not a whole number of milliseconds is refused at start with a RangeError naming ttlMs, not E_LOCAL_IO at the end of every upload", async () => {
    await expect(startClient({ ttlMs: 30 * DAY + 0.5 })).rejects.toThrow(RangeError);
    await expect(startClient({ ttlMs: 30 * DAY + 0.5 })).rejects.toThrow(/ttlMs/);
  });

  test("an injected clock in fractions of a millisecond journals whole ones: shares and renewals work", async () => {
    const clock = { t: Date.UTC(2026, 0, 1) + 0.75 };
    const { client, dir } = await startClient({ clock: { now: () => clock.t } });
    const shared = await client.share({ path: writeRandomFile(dir, "a.bin", 10 * KiB).path }).done;
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: Date.UTC(2026, 0, 1) + 30 * DAY });
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toHaveLength(shared.view.pieces.length);
  });
});
