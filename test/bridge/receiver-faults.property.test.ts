import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DescriptionPublisher } from "../../src/bridge/publisher.js";
import { sealCommunityDescription } from "../../src/bridge/signed-messages.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { profileForRelease, releaseTable } from "../../src/versions/index.js";
import { until } from "../support/until.js";
import { bridgePair, descriptionBytes } from "./bridge-fixture.js";
import { faultyStore } from "./description-store-faults.js";

const PAIRS = releaseTable.adjacentPairs().flatMap(([a, b]) => [
  [a.release, b.release],
  [b.release, a.release],
]) as [string, string][];

/** Mostly small descriptions, now and then one the size of a 10,000-member community's. */
const sizes = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 60_000 }), weight: 7 }, { arbitrary: fc.integer({ min: 150_000, max: 1_500_000 }), weight: 1 });

const scenario = fc.record({
  publications: fc.array(fc.record({ size: sizes, gap: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  drop: fc.double({ min: 0, max: 0.5, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  delay: fc.double({ min: 0, max: 0.7, noNaN: true }),
  failEvery: fc.integer({ min: 0, max: 3 }),
  alterEvery: fc.integer({ min: 0, max: 4 }),
  forgeries: fc.integer({ min: 0, max: 3 }),
});

describe("receiver under faults, each adjacent pair: never a forged or altered description, never an older clock; the newest once faults stop", () => {
  for (const [from, to] of PAIRS) {
    test(`${from} -> ${to}: what is handed on is what the control node published, in growing clocks, ending with the last publication`, async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          let faulty = true;
          let gets = 0;
          const pair = await bridgePair(from, to, {
            // Faults on the faulty control node's link only: the clean one publishes once they stop.
            faults: { seed: s.seed, drop: s.drop, duplicate: s.duplicate, delay: s.delay, links: [["control", "member"], ["forger", "member"]] },
            receiverStore: (store) =>
              faultyStore(store, {
                failGet: () => faulty && s.failEvery > 0 && gets++ % s.failEvery === 0,
                alter: (bytes) => (faulty && s.alterEvery > 0 && gets++ % s.alterEvery === 0 ? bytes.map((b, i) => (i === bytes.length >> 1 ? b ^ 0x40 : b)) : bytes),
              }),
          });
          try {
            const published = new Map<number, Uint8Array>();
            const forger = pair.network.transport({ name: "forger" });
            const outsiderKey = newSecretKey();
            const profile = profileForRelease(from);
            let clock = 0;
            for (const [i, { size, gap }] of s.publications.entries()) {
              clock += gap;
              const bytes = descriptionBytes(size, s.seed + i);
              published.set(clock, bytes);
              await pair.publisher.publish(bytes, clock);
              for (let f = 0; f < s.forgeries; f++) {
                // A description the control node never published, under a newer clock, signed with its key and then
                // altered in one byte of the signed payload (the clock, the description, the signature, any field).
                const sealed = sealCommunityDescription({ description: bytes, clock: clock + 100 }, { secretKey: pair.secretKey, version: profile.window.max });
                const start = Buffer.from(sealed.envelope).indexOf(Buffer.from(sealed.payload));
                const altered = Uint8Array.from(sealed.envelope);
                const at = start + ((s.seed + f * 7919) % sealed.payload.length);
                altered[at] = (altered[at] ?? 0) ^ 0x5a;
                if (altered.length <= forger.maxPayloadBytes) await forger.publish(pair.receiver.contentTopic, altered);
                // …and one signed by another key under a newer clock.
                const outsider = sealCommunityDescription({ description: descriptionBytes(100, f), clock: clock + 1000 }, { secretKey: outsiderKey, version: profile.window.max }).envelope;
                await forger.publish(pair.receiver.contentTopic, outsider);
              }
            }
            await pair.network.settled();
            await until(() => !pair.receiver.fetching, "the fetches of the faulty phase to end", { tries: 3000 });
            // Faults stop: a clean control node (same key, next clock) publishes once more.
            faulty = false;
            const clean = new DescriptionPublisher({
              profile,
              transport: pair.network.transport({ name: "control-clean" }),
              store: pair.store,
              secretKey: pair.secretKey,
              lastClock: clock,
            });
            const last = descriptionBytes(3_000, s.seed + 99);
            clock += 1;
            published.set(clock, last);
            await clean.publish(last, clock);
            await pair.network.settled();
            await until(() => pair.receiver.heldClock === clock && !pair.receiver.fetching, `clock ${clock} handed on`, { tries: 3000 });

            const clocks = pair.delivered.map((d) => d.clock);
            expect(clocks).toEqual([...clocks].sort((a, b) => a - b));
            expect(new Set(clocks).size).toBe(clocks.length);
            for (const d of pair.delivered) expect(Buffer.from(d.description).equals(Buffer.from(published.get(d.clock) ?? []))).toBe(true);
            expect(Buffer.from(pair.receiver.current()?.description ?? []).equals(Buffer.from(last))).toBe(true);
          } finally {
            await pair.close();
          }
        }),
        { numRuns: 5 },
      );
    }, 120_000);
  }
});
