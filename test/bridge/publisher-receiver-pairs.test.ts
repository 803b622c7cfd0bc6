import { describe, expect, test } from "vitest";
import { communityHex } from "../../src/bridge/community-topic.js";
import { communityRows } from "../../src/state/index.js";
import { releaseTable } from "../../src/versions/index.js";
import { until } from "../support/until.js";
import { bridgePair, counter, descriptionBytes } from "./bridge-fixture.js";

/** Adjacent releases, both directions, from the release table (a new row adds its pairs). */
const PAIRS = releaseTable.adjacentPairs().flatMap(([a, b]) => [
  [a.release, b.release],
  [b.release, a.release],
]);

describe("publisher -> receiver across adjacent releases: the member ends with the newest description, byte-exact", () => {
  test("the table gives the four directed pairs the design names", () => {
    expect(PAIRS).toEqual([
      ["0.1.0", "0.2.0"],
      ["0.2.0", "0.1.0"],
      ["0.2.0", "0.3.0"],
      ["0.3.0", "0.2.0"],
    ]);
  });

  for (const [from, to] of PAIRS) {
    test(`${from} publishes, ${to} receives: every clock handed on once, in order, the last one byte-exact and kept in the state`, async () => {
      const pair = await bridgePair(from as string, to as string);
      try {
        // 400 KB goes out in segments from a release that sends whole copies; 1.5 MB is a 10,000-member community.
        const sizes = [2_000, 400_000, 1_500_000, 9_000];
        const published = sizes.map((size, i) => descriptionBytes(size, i + 1));
        for (const [i, bytes] of published.entries()) {
          await pair.publisher.publish(bytes, i + 1);
          // Each publication reaches the member before the next (a test of paths, not of races).
          await pair.network.settled();
          await until(() => pair.receiver.heldClock === i + 1 && !pair.receiver.fetching, `clock ${i + 1} at ${to}`);
        }
        expect(pair.delivered.map((d) => d.clock)).toEqual([1, 2, 3, 4]);
        const last = pair.receiver.current();
        expect(last?.clock).toBe(4);
        expect(Buffer.from(last?.description ?? []).equals(Buffer.from(published[3] ?? []))).toBe(true);
        expect(pair.dropped.filter((d) => d.reason !== "version" && d.reason !== "duplicate")).toEqual([]);
        expect(await counter(pair.metrics, "bridge_delivered_total")).toBe(4);
        // Kept in the member's state file, with the path that won.
        const row = communityRows(pair.state).community(communityHex(pair.publisher.communityId));
        expect(row?.clock).toBe(4);
        expect(Buffer.from(row?.description ?? []).equals(Buffer.from(published[3] ?? []))).toBe(true);
        // A member of a release that reads pointers takes the Codex path when only a pointer is sent.
        if (from === "0.3.0") expect(pair.delivered.every((d) => d.source === "codex")).toBe(true);
        if (to === "0.1.0" || from === "0.1.0") expect(pair.delivered.every((d) => d.source === "waku")).toBe(true);
        // A 0.2.0 control node sends the whole copy before the pointer (each sender's messages arrive in order):
        // the whole wins each clock, and the pointer that follows is a duplicate, never fetched.
        if (from === "0.2.0") {
          expect(pair.delivered.every((d) => d.source === "waku")).toBe(true);
          expect(await counter(pair.metrics, "bridge_fetches_total")).toBe(0);
          if (to !== "0.1.0") expect(await counter(pair.metrics, "bridge_dropped_total", { reason: "duplicate" })).toBe(4);
        }
      } finally {
        await pair.close();
      }
    });
  }

  test("0.1.0 <-> 0.3.0 (two apart) is allowed to fail, and does: each drops what the other sends as an unreadable version, nothing is handed on", async () => {
    for (const [from, to] of [
      ["0.3.0", "0.1.0"],
      ["0.1.0", "0.3.0"],
    ] as const) {
      const pair = await bridgePair(from, to);
      try {
        await pair.publisher.publish(descriptionBytes(5_000, 9), 1);
        await pair.network.settled();
        await until(() => pair.dropped.length > 0, `${to} dropping ${from}'s message`);
        expect(pair.delivered).toEqual([]);
        expect(pair.dropped).toEqual([{ code: "E_BRIDGE_UNREADABLE", reason: "version" }]);
        expect(await counter(pair.metrics, "bridge_dropped_total", { reason: "version" })).toBe(1);
      } finally {
        await pair.close();
      }
    }
  });
});
