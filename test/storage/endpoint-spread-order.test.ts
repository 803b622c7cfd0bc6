/**
 * EndpointPool.spread on its own, deterministically (fixed seeds and locations): where a client
 * starts, and where the clients of an endpoint that fails go next.
 */
import { describe, expect, test } from "vitest";
import type { StorageBackend } from "../../src/storage/backend.js";
import { EndpointPool } from "../../src/storage/retry/index.js";

function fake(location: string): StorageBackend {
  const refuse = (): Promise<never> => Promise.reject(new Error("not called"));
  return { kind: "fake", location, put: refuse, get: refuse, has: refuse, delete: refuse, space: refuse, close: async () => undefined };
}

const LOCATIONS = ["https://a.example", "https://b.example", "https://c.example", "https://d.example"];

function spreadPool(seed: number, locations = LOCATIONS, keepFirst = 0): EndpointPool {
  const pool = new EndpointPool(locations.map(fake));
  pool.spread(`seed-${seed}`, keepFirst);
  return pool;
}

const CLIENTS = 2000;

describe("endpoint order spread over clients", () => {
  test("clients start evenly over the endpoints (each within 20% of its fair share over 2000 seeds)", () => {
    const starts = [0, 0, 0, 0];
    for (let c = 0; c < CLIENTS; c++) starts[spreadPool(c).pick(new Set()) as number]! += 1;
    for (const count of starts) expect(Math.abs(count - CLIENTS / 4), `starts: ${starts.join(", ")}`).toBeLessThan(CLIENTS / 4 / 5);
  });

  test("the clients of an endpoint that failed move evenly to the others, not all to its neighbour in the list", () => {
    const next = [0, 0, 0, 0];
    let moved = 0;
    for (let c = 0; c < CLIENTS; c++) {
      const pool = spreadPool(c);
      if (pool.pick(new Set()) !== 0) continue;
      pool.failed(0);
      next[pool.pick(new Set()) as number]! += 1;
      moved += 1;
    }
    expect(next[0]).toBe(0);
    for (const count of next.slice(1)) expect(Math.abs(count - moved / 3), `moved to: ${next.join(", ")}`).toBeLessThan(moved / 3 / 4);
  });

  test("an endpoint added to the list takes only its share of clients; the others keep their start", () => {
    let changed = 0;
    for (let c = 0; c < CLIENTS; c++) {
      const before = LOCATIONS[spreadPool(c).pick(new Set()) as number];
      const grown = [...LOCATIONS, "https://e.example"];
      const after = grown[spreadPool(c, grown).pick(new Set()) as number];
      if (after !== before) {
        expect(after).toBe("https://e.example");
        changed += 1;
      }
    }
    expect(Math.abs(changed - CLIENTS / 5)).toBeLessThan(CLIENTS / 5 / 5);
  });

  test("the start depends on the seed and the locations, not on the list's order", () => {
    for (let c = 0; c < 50; c++) {
      const start = LOCATIONS[spreadPool(c).pick(new Set()) as number];
      const reversed = [...LOCATIONS].reverse();
      expect(reversed[spreadPool(c, reversed).pick(new Set()) as number]).toBe(start);
    }
  });

  test("keepFirst keeps full mode's own node first; the fallbacks after it are spread", () => {
    const afterOwn = new Set<number>();
    for (let c = 0; c < 100; c++) {
      const pool = spreadPool(c, LOCATIONS, 1);
      expect(pool.pick(new Set())).toBe(0);
      pool.failed(0);
      afterOwn.add(pool.pick(new Set()) as number);
    }
    expect([...afterOwn].sort()).toEqual([1, 2, 3]);
  });

  test("health still comes first: a spread pool goes back to the endpoint that last worked, and walks every endpoint once in its order", () => {
    const pool = spreadPool(7);
    const walk: number[] = [];
    const tried = new Set<number>();
    for (let at = pool.pick(tried); at !== undefined; at = pool.pick(tried, at)) {
      walk.push(at);
      tried.add(at);
    }
    expect([...walk].sort()).toEqual([0, 1, 2, 3]);
    const last = walk[3] as number;
    pool.worked(last);
    expect(pool.pick(new Set())).toBe(last);
  });
});
