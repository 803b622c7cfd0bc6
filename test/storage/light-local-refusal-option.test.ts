/**
 * Light mode's refusals of local storage named no option in their details, unlike every other check
 * of the constructor's options (details.option), so an app mapping a refusal to the setting at fault
 * found nothing: a `backend` (light mode runs no local node) and an endpoint that stores in this
 * process (the local store). Each now names its option, and the endpoint its entry.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function lightWith(extra: Partial<StorageClientOptions>): unknown {
  const dir = tempDir();
  return thrown(() => new StorageClient({ protocol: 3, mode: "light", statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data"), ...extra } as StorageClientOptions));
}

describe("light mode's refusals of local storage name the option", () => {
  test("a backend: details.option backend", () => {
    const dir = tempDir();
    expect(lightWith({ backend: localStore(join(dir, "store")), endpoints: [createCodexBackend({ url: "http://127.0.0.1:9" })] })).toMatchObject({
      code: "E_UNSUPPORTED",
      details: { option: "backend" },
    });
  });

  test("a local store among the endpoints: details.option endpoints and the entry", () => {
    const dir = tempDir();
    const error = lightWith({ endpoints: [createCodexBackend({ url: "http://127.0.0.1:9" }), localStore(join(dir, "store"))] });
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints", entry: "endpoints[1]", kind: "local" } });
    expect((error as Error).message).toMatch(/endpoints\[1\]/);
  });
});
