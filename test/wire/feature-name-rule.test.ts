/**
 * A sender's feature names are `[a-z0-9][a-z0-9._-]*` (docs/wire.md, Limits), but the refusal of
 * ".x", "-x" or "_x" said they "must be 1-64 characters of a-z, 0-9, ".", "_", "-"", which they
 * are: the message left out the rule they break. Writer and reader say it alike.
 */
import { describe, expect, it } from "vitest";
import { profileFor } from "../../src/versions/index.js";
import { type WireError, encodeEnvelope, encodePayloadEnvelope, encodeFileReference, openEnvelope } from "../../src/wire/index.js";
import { refusal } from "./support/refusal.js";
import { sampleReference } from "./support/sample-reference.js";

const RULE = 'must be 1-64 characters of a-z, 0-9, ".", "_", "-", the first a letter or digit';

function refused(run: () => unknown): WireError {
  const error = refusal(run);
  expect(error.code).toBe("E_WIRE_INVALID_FIELD");
  return error;
}

describe("a feature name that starts with '.', '_' or '-'", () => {
  for (const name of [".x", "_x", "-x"]) {
    it(`${JSON.stringify(name)}: the writer and the reader name the first-character rule`, () => {
      const sender = { minVersion: 2, maxVersion: 3, features: [name] };
      const written = refused(() => encodePayloadEnvelope({ kind: "file-reference", message: sampleReference }, { version: 3, fallbackText: "", sender }));
      expect(written.message).toBe(`Capabilities.features[0] ${RULE}`);

      // The same envelope as a peer that skipped the check sends it: the feature patched in after writing.
      const valid = encodeEnvelope({ version: 3, type: "file-reference", payload: encodeFileReference(sampleReference, 3), fallbackText: "", sender: { ...sender, features: ["qx"] } });
      const at = Buffer.from(valid).indexOf("qx");
      const patched = Uint8Array.from(valid);
      patched[at] = name.charCodeAt(0);
      const read = refused(() => openEnvelope(patched, profileFor(3).window));
      expect(read.message).toBe(`Capabilities.features[0] ${RULE}`);
    });
  }
});
