/**
 * `endpointOrder` other than "spread" or "listed" ("Listed", "random" from an app's settings, a
 * number) was a raw RangeError from start(), thrown after the client had made its data folder, taken
 * its lock and created its state database, and naming the option without the layer's code: unlike
 * `mode`, the other option that takes one of two words. It is refused by the constructor now, with
 * E_UNSUPPORTED naming the option, nothing created.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { failure } from "../support/thrown.js";

function lightWith(endpointOrder: unknown): StorageClientOptions {
  const dir = tempDir();
  return {
    protocol: 3,
    mode: "light",
    endpoints: [createCodexBackend({ url: "http://127.0.0.1:9" }), createCodexBackend({ url: "http://127.0.0.1:10" })],
    statePath: join(dir, "s.sqlite"),
    dataDir: join(dir, "data"),
    renewEveryMs: 0,
    endpointOrder,
  } as StorageClientOptions;
}

describe("endpointOrder that is neither spread nor listed", () => {
  test.each([["Listed"], ["random"], [1], [null]])("%j: E_UNSUPPORTED naming the option, from the constructor, nothing created", async (value) => {
    const options = lightWith(value);
    let constructed = false;
    const error = await failure(async () => {
      const client = new StorageClient(options);
      constructed = true;
      await client.start();
      await client.stop();
    });
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpointOrder" } });
    expect((error as Error).message).toMatch(/^storage client option endpointOrder must be "spread" \(the default\) or "listed", not /);
    expect(constructed).toBe(false);
    expect(existsSync(options.statePath as string)).toBe(false);
    expect(existsSync(options.dataDir)).toBe(false);
  });

  test.each([["spread"], ["listed"], [undefined]])("%s is taken", async (value) => {
    const client = new StorageClient(lightWith(value));
    await client.start();
    await client.stop();
  });
});
