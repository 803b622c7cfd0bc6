import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { MemoryNetwork, type MemoryFaultPlan } from "../../src/bridge/transports/memory.js";
import { createLogger } from "../../src/obs/index.js";
import { MAX_WRITTEN_ENVELOPE_BYTES } from "../../src/wire/index.js";
import { LogCapture } from "../support/log-capture.js";
import { transportComplianceSuite } from "./transport-suite.js";

transportComplianceSuite("memory", async (count) => {
  const network = new MemoryNetwork();
  const transports = Array.from({ length: count }, () => network.transport());
  return { transports, close: () => network.close() };
});

const CT = "/bridge-test/1/memory/proto";
const bytes = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff);
const number = (b: Uint8Array): number => (b[0]! << 8) | b[1]!;

/** Publishes `count` numbered messages from each sender in turn and returns what each transport received, once settled. */
async function run(
  plan: MemoryFaultPlan | undefined,
  names: readonly string[],
  count: number,
  partition?: readonly (readonly string[])[],
): Promise<Record<string, string[]>> {
  const network = new MemoryNetwork(plan === undefined ? {} : { faults: plan });
  const transports = names.map((name) => network.transport({ name }));
  const got: Record<string, string[]> = {};
  for (const t of transports) {
    got[t.name] = [];
    await t.subscribe(CT, (m) => got[t.name]!.push(`${names[number(m.payload) % names.length]}:${Math.floor(number(m.payload) / names.length)}`));
  }
  if (partition !== undefined) network.partition(...partition);
  for (let i = 0; i < count; i++) for (let s = 0; s < transports.length; s++) await transports[s]!.publish(CT, bytes(i * names.length + s));
  await network.settled();
  await network.close();
  return got;
}

describe("MemoryNetwork", () => {
  it("never delivers inside publish's call stack", async () => {
    const network = new MemoryNetwork();
    const t = network.transport();
    let got = 0;
    await t.subscribe(CT, () => void got++);
    const publishing = t.publish(CT, bytes(1));
    expect(got).toBe(0);
    await publishing;
    expect(got).toBe(0);
    await network.settled();
    expect(got).toBe(1);
    await network.close();
  });

  it("defaults maxPayloadBytes to the wire layer's MAX_WRITTEN_ENVELOPE_BYTES, and takes one per network or transport", async () => {
    const network = new MemoryNetwork();
    expect(network.transport().maxPayloadBytes).toBe(MAX_WRITTEN_ENVELOPE_BYTES);
    expect(network.transport({ maxPayloadBytes: 10 }).maxPayloadBytes).toBe(10);
    expect(new MemoryNetwork({ maxPayloadBytes: 20 }).transport().maxPayloadBytes).toBe(20);
    expect(() => new MemoryNetwork({ maxPayloadBytes: -1 })).toThrow(RangeError);
    expect(() => network.transport({ name: "t1" })).toThrow(/already on this network/);
    const other = new MemoryNetwork();
    const [first] = [other.transport(), other.transport()];
    await first!.close();
    expect(other.transport().name).toBe("t3"); // default names never repeat one that left
    expect(() => new MemoryNetwork({ faults: { seed: 1, drop: 2 } })).toThrow(RangeError);
    await network.close();
  });

  it("settled() waits for delayed deliveries and duplicates, and resolves at once on a quiet network", async () => {
    const network = new MemoryNetwork({ faults: { seed: 7, delay: 1, duplicate: 1, maxDelayRounds: 5 } });
    await network.settled();
    const [a, b] = [network.transport(), network.transport()];
    let got = 0;
    await b.subscribe(CT, () => void got++);
    for (let i = 0; i < 10; i++) await a.publish(CT, bytes(i));
    await network.settled();
    expect(got).toBe(20);
    await network.close();
  });

  it("runs deliveries on the scheduler it is given (queueMicrotask for tests on fake timers)", async () => {
    const rounds: string[] = [];
    const network = new MemoryNetwork({ schedule: (round) => queueMicrotask(() => (rounds.push("round"), round())) });
    const t = network.transport();
    let got = 0;
    await t.subscribe(CT, () => void got++);
    await t.publish(CT, bytes(1));
    await network.settled();
    expect(got).toBe(1);
    expect(rounds.length).toBeGreaterThan(0);
    await network.close();
  });

  it("partition() cuts groups apart, the unnamed forming a group of their own, and heal() joins them", async () => {
    const got = await run(undefined, ["a", "b", "c", "d"], 2, [["a", "b"], ["c"]]);
    expect(got.a).toEqual(["a:0", "b:0", "a:1", "b:1"]);
    expect(got.b).toEqual(got.a);
    expect(got.c).toEqual(["c:0", "c:1"]);
    expect(got.d).toEqual(["d:0", "d:1"]);

    const network = new MemoryNetwork();
    const [x, y] = [network.transport(), network.transport()];
    const seen: number[] = [];
    await y.subscribe(CT, (m) => void seen.push(number(m.payload)));
    network.partition([x.name]);
    expect((await x.publish(CT, bytes(1))).recipients).toBe(0);
    network.heal();
    expect((await x.publish(CT, bytes(2))).recipients).toBe(1);
    await network.settled();
    expect(seen).toEqual([2]);
    expect(() => network.partition(["t1"], ["t1"])).toThrow(RangeError);
    await network.close();
  });

  test.prop([fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    "a fault plan is deterministic from its seed: the same publications give the same deliveries",
    async (seed, drop, duplicate, delay) => {
      const plan = { seed, drop, duplicate, delay };
      expect(await run(plan, ["a", "b", "c"], 8)).toEqual(await run(plan, ["a", "b", "c"], 8));
    },
  );

  test.prop([fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    "faults never touch a transport's own messages, nor links the plan does not name",
    async (seed, drop, duplicate, delay) => {
      const got = await run({ seed, drop, duplicate, delay, links: [["a", "b"]] }, ["a", "b", "c"], 6);
      const inOrder = (from: string): string[] => Array.from({ length: 6 }, (_, i) => `${from}:${i}`);
      for (const to of ["a", "b", "c"]) {
        for (const from of ["a", "b", "c"]) {
          if (from === "a" && to === "b") continue;
          expect(got[to]!.filter((x) => x.startsWith(`${from}:`))).toEqual(inOrder(from));
        }
      }
    },
  );

  test.prop([fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 20 })])(
    "delays reorder but lose nothing; duplicates add copies of sent messages only; drops only remove",
    async (seed, delay, maxDelayRounds) => {
      const names = ["a", "b"];
      const sent = Array.from({ length: 10 }, (_, i) => `a:${i}`);
      const delayed = await run({ seed, delay, maxDelayRounds }, names, 10);
      expect([...delayed.b!.filter((x) => x.startsWith("a:"))].sort()).toEqual([...sent].sort());
      const duplicated = await run({ seed, duplicate: 0.5, delay }, names, 10);
      const fromA = duplicated.b!.filter((x) => x.startsWith("a:"));
      expect(new Set(fromA)).toEqual(new Set(sent));
      expect(fromA.length).toBeGreaterThanOrEqual(10);
      const dropped = await run({ seed, drop: 0.5, delay }, names, 10);
      const kept = dropped.b!.filter((x) => x.startsWith("a:"));
      expect(new Set(kept).size).toBe(kept.length);
      for (const x of kept) expect(sent).toContain(x);
    },
  );

  it("logs a throwing handler through its logger (component bridge.memory) with the topic, never the payload", async () => {
    const out = new LogCapture();
    const network = new MemoryNetwork({ logger: createLogger({ level: "debug", destination: out }) });
    const t = network.transport();
    await t.subscribe(CT, () => {
      throw new Error("handler bug");
    });
    await t.publish(CT, Uint8Array.from(Buffer.from("secret payload")));
    await network.settled();
    const line = out.lines().find((l) => l.component === "bridge.memory" && l.level === 40);
    expect(line).toMatchObject({ contentTopic: CT });
    expect(out.text).not.toContain("secret payload");
    expect(out.text).not.toContain(Buffer.from("secret payload").toString("base64"));
    await network.close();
  });

  it("a closed transport gets nothing more, and messages on their way to it are dropped without holding settled()", async () => {
    const network = new MemoryNetwork();
    const [a, b] = [network.transport(), network.transport()];
    let got = 0;
    await b.subscribe(CT, () => void got++);
    await a.publish(CT, bytes(1));
    await b.close();
    await network.settled();
    expect(got).toBe(0);
    expect((await a.publish(CT, bytes(2))).recipients).toBe(0);
    await network.close();
  });
});
