/**
 * A fetchStream whose signal fires (the application closed the viewer) or whose client stops while
 * its consumer holds a chunk must fail the consumer's next read with the abort's typed error. It
 * went on handing out the pieces already read ahead and, for a file the window held whole, ended
 * cleanly: an aborted stream looked like one that had finished.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { startClient } from "./support/client-fixture.js";

const SIZE = 100 * 1024; // 4 pieces of 32 KiB: the whole file fits in the window of 4

/** Reads `stream`, calling `after` once the first chunk is in hand; returns the bytes read and how it ended. */
async function readAll(stream: AsyncIterable<Buffer>, after: () => Promise<void>): Promise<{ bytes: number; error: unknown }> {
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      if (bytes === 0) {
        // Let the window read ahead everything it can before the abort.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await after();
      }
      bytes += chunk.byteLength;
    }
  } catch (error) {
    return { bytes, error };
  }
  return { bytes, error: undefined };
}

describe("a fetchStream aborted while its consumer holds a chunk", () => {
  test("its signal fired: the next read fails E_ABORTED, nothing more is handed out", async () => {
    const { client, dir } = await startClient();
    writeFileSync(join(dir, "source.bin"), randomBytes(SIZE));
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    const controller = new AbortController();
    const { bytes, error } = await readAll(client.fetchStream(reference, { signal: controller.signal }), async () => controller.abort());
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_ABORTED");
    expect(bytes).toBeLessThan(SIZE);
  });

  test("its client stopped: the next read fails E_CLIENT_CLOSED, nothing more is handed out", async () => {
    const { client, dir } = await startClient();
    writeFileSync(join(dir, "source.bin"), randomBytes(SIZE));
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    const { bytes, error } = await readAll(client.fetchStream(reference), () => client.stop());
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_CLIENT_CLOSED");
    expect(bytes).toBeLessThan(SIZE);
  });
});
