/**
 * An application may run more pieces in flight than the default (a desktop on a fast link): every
 * piece waiting for the store listens on the upload's storing signal, which is by design, not a
 * leak. Node warned "Possible EventTarget memory leak detected" on stderr for each such upload.
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { sealedBufferCount } from "../../src/storage/upload/run-upload.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { SMALL_PIECES, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

const WIDTH = 8;

describe("an upload with many pieces in flight", () => {
  test("stores waiting at once raise no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    onTestFinished(() => void process.off("warning", onWarning));
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const gates: (() => void)[] = [];
    let held = true;
    backend.beforePut = () => (held ? new Promise<void>((resolve) => gates.push(resolve)) : undefined);
    const release = (): void => {
      held = false;
      for (const gate of gates.splice(0)) gate();
    };
    onTestFinished(release);
    const { client } = await startClient({ dir, backend, piecesInFlight: WIDTH });
    const { path } = writeRandomFile(dir, "f.bin", 3 * WIDTH * SMALL_PIECES.pieceSize);
    const job = client.share({ path });
    // Every sealed buffer is waiting for the store: the most listeners the upload ever has at once.
    await vi.waitFor(() => expect(gates.length).toBe(sealedBufferCount(WIDTH)), { timeout: 5_000 });
    release();
    await job.done;
    // A warning is emitted on a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });
});
