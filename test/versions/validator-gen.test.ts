import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import {
  RELEASE_TABLE_VALIDATOR,
  readReleaseTableSchema,
  releaseTableValidatorModule,
} from "../../scripts/gen-release-table-validator.js";
import { REPO_ROOT } from "../../scripts/gen.js";
import { validateReleaseTable } from "../../src/versions/gen/release-table-validator.js";
import { ReleaseTable, VersionError } from "../../src/versions/index.js";
import defaultJson from "../../src/versions/releases.json" with { type: "json" };

function withRow(patch: Record<string, unknown>): unknown {
  const copy = structuredClone(defaultJson) as { releases: Array<Record<string, unknown>> };
  Object.assign(copy.releases[1] as Record<string, unknown>, patch);
  return copy;
}

// One input per keyword the schema uses, including the two that need ajv runtime helpers
// (minLength: ucs2length, uniqueItems over untyped items: equal), plus several errors at once.
const INPUTS: Record<string, unknown> = {
  "the shipped table": defaultJson,
  "not an object": "nope",
  "no releases": {},
  "an extra top-level key": { ...defaultJson, extra: 1 },
  "no rows": { releases: [] },
  "a row that is not an object": { releases: [42] },
  "a row missing fields": { releases: [{ release: "0.1.0" }] },
  "an extra row key": withRow({ note: "x" }),
  "a release with a leading zero": withRow({ release: "0.02.0" }),
  "a fractional protocol": withRow({ protocol: 1.5 }),
  "protocol 0 and state level 70000": withRow({ protocol: 0, stateLevel: 70000 }),
  "an empty summary": withRow({ summary: "" }),
  "an astral-plane summary": withRow({ summary: "\u{1F600}" }),
  "a repeated feature": withRow({ reads: ["file-reference", "file-reference"] }),
  "an unknown feature": withRow({ writes: ["telepathy"] }),
  "features that are not an array": withRow({ writes: "file-reference", reads: null }),
};

describe("precompiled release-table validator", () => {
  it("is exactly what npm run gen makes of the schema today", async () => {
    const fresh = releaseTableValidatorModule(await readReleaseTableSchema());
    const checkedIn = readFileSync(join(REPO_ROOT, RELEASE_TABLE_VALIDATOR), "utf8");
    expect(fresh, `${RELEASE_TABLE_VALIDATOR} is stale: run npm run gen`).toBe(checkedIn);
    expect(checkedIn).toMatch(/^\/\/ Code generated .*DO NOT EDIT\./);
  });

  it("generates the same module twice (deterministic)", async () => {
    const schema = await readReleaseTableSchema();
    expect(releaseTableValidatorModule(schema)).toBe(releaseTableValidatorModule(schema));
  });

  it("reaches the same verdict and errors as ajv compiling the schema at runtime", async () => {
    const runtime = new Ajv({ allErrors: true }).compile(await readReleaseTableSchema());
    for (const [name, input] of Object.entries(INPUTS)) {
      const expected = runtime(input);
      expect(validateReleaseTable(input), name).toBe(expected);
      expect(validateReleaseTable.errors ?? null, name).toEqual(runtime.errors ?? null);
    }
    expect(validateReleaseTable(defaultJson)).toBe(true);
    expect(validateReleaseTable(withRow({ reads: ["file-reference", "file-reference"] }))).toBe(false);
  });

  it("keeps ReleaseTable's schema message: every error as instancePath and message", () => {
    let caught: unknown;
    try {
      new ReleaseTable(withRow({ protocol: 0, summary: "" }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VersionError);
    expect((caught as VersionError).code).toBe("E_RELEASE_TABLE_INVALID");
    expect((caught as VersionError).message).toBe(
      "release table does not match its schema: /releases/1/protocol must be >= 1; " +
        "/releases/1/summary must NOT have fewer than 1 characters",
    );
  });
});
