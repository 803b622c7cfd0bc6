import { describe, expect, it } from "vitest";
import { WireError } from "../../src/wire/index.js";
import { runFuzz } from "./support/fuzz-engine.js";

/** CI runs a modest number; `npm run fuzz` runs a million and more. WIRE_FUZZ_SEED replays a run. */
const SEED = Number(process.env.WIRE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = 30_000;

describe("fuzz", () => {
  it(`random and mutated bytes into every decoder and openEnvelope give a value or a WireError, nothing else (seed ${SEED})`, () => {
    // The seed is in the test name and printed, so any failure can be replayed with WIRE_FUZZ_SEED.
    console.info(`wire fuzz: seed ${SEED}, ${CASES} cases (replay: WIRE_FUZZ_SEED=${SEED} npx vitest run test/wire/fuzz.test.ts)`);
    const result = runFuzz({ seed: SEED, cases: CASES, slowCaseMs: 1000, heapLimitMiB: 512 });
    expect(result.failures, `seed ${SEED}`).toEqual([]);
    expect(result.cases).toBe(CASES);
    // The mutations reach past the structure checks: some inputs decode, every error family shows up.
    expect(result.accepted).toBeGreaterThan(CASES / 100);
    for (const code of ["E_WIRE_TRUNCATED", "E_WIRE_MALFORMED", "E_WIRE_INVALID_FIELD", "E_WIRE_TOO_LARGE", "E_VERSION_UNSUPPORTED"]) {
      expect(result.codes[code] ?? 0, code).toBeGreaterThan(0);
    }
  });

  it("reports a decoder that throws anything but a WireError, or a WireError from an internal fault", () => {
    const result = runFuzz({
      seed: 1,
      cases: 200,
      maxFailures: 5,
      targets: [
        {
          name: "throws TypeError",
          kind: "envelope",
          run: (b) => {
            if (b.length % 2 === 0) throw new TypeError("boom");
            throw new WireError("E_WIRE_MALFORMED", "bug", { details: { stage: "internal" } });
          },
        },
      ],
    });
    expect(result.failures.length).toBe(5);
    expect(result.failures.map((f) => f.problem).join("\n")).toMatch(/TypeError: boom|internal fault/);
  });
});
