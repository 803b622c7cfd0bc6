import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { inspectState, MigrationCatalog, openState, shippedCatalog, StateError, type MigrationDefinition } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

/**
 * `_state_version.schema` is the description an older release judges a newer file by. Only its
 * fingerprint was checked: a text no build wrote (NULL, a number, not JSON, another description,
 * megabytes) passed for every build (an older one reads it only when the schema's fingerprint
 * differs). It is now E_STATE_DIRTY wherever the version row is read, for an older, the same and a
 * newer build.
 */
const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];
const m4: MigrationDefinition = {
  name: "0004_level4_notes",
  protocol: 4,
  level: 4,
  compatLevel: 3,
  summary: "notes per community",
  up: ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT"],
  down: ["DROP TABLE notes"],
};
const builds = {
  older: () => new MigrationCatalog([m1, m2]),
  same: () => shippedCatalog(),
  newer: () => new MigrationCatalog([m1, m2, m3, m4]),
};

/**
 * A level-3 file whose version table was rebuilt without STRICT (the one way NULL, a number or a
 * blob gets into the column) with `schema` set to the SQL expression given.
 */
function levelThreeWithSchema(expression: string, fingerprint = "schema_fingerprint"): string {
  const path = copyFixture(3, tempDir());
  const db = new Database(path);
  try {
    db.exec(`CREATE TABLE _state_version_loose (id INTEGER PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL, level INTEGER NOT NULL,
               compat_level INTEGER NOT NULL, schema_fingerprint, schema, updated_at INTEGER NOT NULL);
             INSERT INTO _state_version_loose SELECT id, format, level, compat_level, ${fingerprint}, ${expression}, updated_at FROM _state_version;
             DROP TABLE _state_version;
             ALTER TABLE _state_version_loose RENAME TO _state_version;`);
  } finally {
    db.close();
  }
  return path;
}

async function refusal(promise: Promise<{ close(): void }>): Promise<StateError> {
  const outcome = await promise.then(
    (handle) => {
      handle.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(StateError);
  return outcome as StateError;
}

const garbage: [label: string, expression: string, said: RegExp][] = [
  ["NULL", "NULL", /recorded schema: is NULL, not the JSON text every build writes/],
  ["a number", "42", /recorded schema: is of SQLite type integer/],
  ["a blob", "x'00ff'", /recorded schema: is of SQLite type blob/],
  ["text that is not JSON", "'not json'", /recorded schema: \(8 characters\) is not the one its schema fingerprint names/],
  ["another schema description", `'{"tables":[],"others":[]}'`, /recorded schema: \(25 characters\) is not the one its schema fingerprint names/],
  ["10 MB of text", "printf('%.*c', 10000000, 'x')", /recorded schema: holds 10,000,000 characters, more than any build writes/],
];

describe("a version row whose recorded schema no build wrote", () => {
  for (const [label, expression, said] of garbage) {
    test(`${label}: openState and inspectState of an older, the same and a newer build say E_STATE_DIRTY naming it; nothing written`, async () => {
      const path = levelThreeWithSchema(expression);
      const before = sha256File(path);
      for (const [build, catalog] of Object.entries(builds)) {
        const e = await refusal(openState({ path, catalog: catalog(), readOnly: build !== "newer" }));
        expect(e.code, build).toBe("E_STATE_DIRTY");
        expect(e.message, build).toMatch(/its version row's recorded schema description is not what any build writes/);
        expect(e.message, build).toMatch(said);
        expect((e.details as { differences: string[] }).differences[0], build).toMatch(said);
        expect(inspectState(path, catalog()).problem?.code, build).toBe("E_STATE_DIRTY");
      }
      expect(sha256File(path)).toBe(before);
    });
  }

  test("a fingerprint that is a number (not text) is E_STATE_DIRTY naming it, not a TypeError", async () => {
    const path = levelThreeWithSchema("schema", "42");
    const e = await refusal(openState({ path, catalog: builds.same(), readOnly: true }));
    expect(e.code).toBe("E_STATE_DIRTY");
    expect((e.details as { differences: string[] }).differences).toContainEqual(expect.stringMatching(/^schema fingerprint: 42 in the version row, [0-9a-f]{12}… in the log$/));
  });

  test("the description every release wrote (the fixtures) still opens for each build that may use it", async () => {
    for (const level of [1, 2, 3]) {
      const inspection = inspectState(copyFixture(level, tempDir()), builds.same());
      expect(inspection.problem).toBeUndefined();
      expect(inspection.level).toBe(level);
    }
    const upgraded = await openState({ path: copyFixture(1, tempDir()), catalog: builds.newer() });
    expect(upgraded.level).toBe(4);
    upgraded.close();
    const handle = await openState({ path: copyFixture(3, tempDir()), catalog: builds.older(), readOnly: true });
    expect(handle.level).toBe(3);
    handle.close();
  });

  test("migrate status --json and migrate up (through main) report it: exit 4, E_STATE_DIRTY, the file untouched", async () => {
    const path = levelThreeWithSchema("'not json'");
    const before = sha256File(path);
    const status = await runCliInProcess(["migrate", "status", "--db", path, "--json"]);
    expect(status.code).toBe(4);
    const report = JSON.parse(status.stdout) as { problem: { code: string; message: string } };
    expect(report.problem.code).toBe("E_STATE_DIRTY");
    expect(report.problem.message).toMatch(/recorded schema description is not what any build writes/);
    const up = await runCliInProcess(["migrate", "up", "--db", path, "--json"]);
    expect(up.code).toBe(4);
    expect((JSON.parse(up.stdout) as { error: { code: string } }).error.code).toBe("E_STATE_DIRTY");
    expect(sha256File(path)).toBe(before);
  });
});
