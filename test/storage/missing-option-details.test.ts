/**
 * The constructor's refusals of a missing endpoint list, backend or state named the option in their
 * message only: details.option, which every other option check carries, was absent (an app mapping a
 * refusal to the setting at fault found nothing), and a state left out entirely was refused before
 * the check that names statePath ran. Each now names its option.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function refusal(options: Record<string, unknown>): unknown {
  return thrown(() => new StorageClient({ protocol: 3, ...options } as unknown as StorageClientOptions));
}

describe("a missing endpoint list, backend or state", () => {
  test("light mode without endpoints: details.option endpoints", () => {
    const dir = tempDir();
    expect(refusal({ mode: "light", endpoints: [], statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data") })).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints" } });
  });

  test("full mode without a backend: details.option backend", () => {
    const dir = tempDir();
    expect(refusal({ statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data") })).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "backend" } });
  });

  test("neither state nor statePath: details.option statePath", () => {
    const dir = tempDir();
    expect(refusal({ backend: localStore(join(dir, "store")), dataDir: join(dir, "data") })).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "statePath" } });
  });
});
