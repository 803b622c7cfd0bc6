/**
 * Options come from an app's settings file or a release script as often as from code, where
 * TypeScript checks nothing. The entry points that refused an unknown key let options that are no
 * object through (a path string for openState's options, a level string for createLogger's, `true`):
 * they failed later with a raw error, or ran on the defaults as if no options were given. Each now
 * refuses them with its layer's error and one message, the value said in one wording across layers
 * (negotiate quoted a string bare and counted an array's items; storage said "a number").
 */
import { describe, expect, it } from "vitest";
import { checkSchemaChain, runMatrix } from "../../src/compat/index.js";
import { optionsShapeMessage } from "../../src/errors/index.js";
import { chooseWriteVersion, groupAudience } from "../../src/negotiate/index.js";
import { createLogger } from "../../src/obs/index.js";
import { acquireMigrationLock, inspectState, migrateState, openState, rehearseUpgrade, shippedCatalog, writeFixture } from "../../src/state/index.js";
import { optionsObject } from "../../src/storage/option-keys.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { decodeFileReference, openEnvelope } from "../../src/wire/index.js";
import { tempDir } from "../support/temp-dir.js";
import { failure, thrown } from "../support/thrown.js";
import { join } from "node:path";
import { readdirSync } from "node:fs";

const NOT_OBJECTS: readonly [unknown, string][] = [
  ["x", 'the string "x"'],
  [1, "1"],
  [[], "an array"],
  [true, "true"],
];

describe("options that are not an object", () => {
  it("are refused by every entry point that checks its keys, with a TypeError naming the entry, its keys and the value", async () => {
    const dir = tempDir("scc-options-shape-");
    const path = join(dir, "state.sqlite");
    await writeFixture({ out: path, level: 1, rows: 2 });
    const entries: [string, (options: unknown) => unknown, boolean][] = [
      ["openState", (o) => openState(o as never), false],
      ["migrateState", (o) => migrateState(o as never), false],
      ["rehearseUpgrade", (o) => rehearseUpgrade(o as never), false],
      ["writeFixture", (o) => writeFixture(o as never), false],
      ["inspectState", (o) => inspectState(path, shippedCatalog(), o as never), true],
      ["acquireMigrationLock", (o) => acquireMigrationLock(path, o as never), true],
      ["runMatrix", (o) => runMatrix(o as never), true],
      ["checkSchemaChain", (o) => checkSchemaChain([], o as never), true],
      ["createLogger", (o) => createLogger(o as never), true],
      ["openEnvelope", (o) => openEnvelope(new Uint8Array(4), { min: 1, max: 3 }, o as never), true],
      ["decoding a file-reference", (o) => decodeFileReference(new Uint8Array(4), 3, o as never), true],
    ];
    for (const [entry, call, optional] of entries) {
      for (const [value, said] of NOT_OBJECTS) {
        const error = await failure(() => call(value));
        expect(error, `${entry}(${JSON.stringify(value)})`).toBeInstanceOf(TypeError);
        const message = (error as Error).message;
        expect(message).toMatch(new RegExp(`^${entry} options must be an object \\(with [a-zA-Z, ]+\\)${optional ? " or left out" : ""}, not `));
        expect(message.endsWith(`, not ${said}`), message).toBe(true);
      }
    }
    expect(readdirSync(dir).sort()).toEqual(["state.sqlite"]);
  });

  it("are said alike by negotiate (TypeError) and storage (StorageError with its code, details.option options)", () => {
    for (const [value, said] of NOT_OBJECTS) {
      const expected = `chooseWriteVersion options must be an object (with payload, outsiders, table, release) or left out, not ${said}`;
      expect(thrown(() => chooseWriteVersion({ min: 2, max: 2 }, groupAudience([{ min: 2, max: 2 }]), value as never))).toEqual(new TypeError(expected));
      const storage = thrown(() => optionsObject("fetch", value as never, ["out"], "E_BACKEND_REJECTED"));
      expect(storage).toBeInstanceOf(StorageError);
      expect(storage).toMatchObject({ code: "E_BACKEND_REJECTED", details: { option: "options" }, message: `fetch options must be an object (with out) or left out, not ${said}` });
    }
  });

  it("null and undefined are no options where options may be left out: no message", () => {
    expect(optionsShapeMessage("createLogger", undefined, ["level"])).toBeUndefined();
    expect(optionsShapeMessage("createLogger", null, ["level"])).toBeUndefined();
    expect(optionsShapeMessage("createLogger", {}, ["level"])).toBeUndefined();
  });
});
