/**
 * docs/storage.md, Logging: a renewal run that could not renew its pieces (the phone offline, the
 * node down) wrote one warn line per piece, every run: a user's pieces number in the hundreds
 * (a 50 MiB file is 13), and a log at warn, what an app ships with, filled with the same line each
 * renewal interval. The run is now one warn line (how many pieces failed, how many were renewed,
 * the codes) and each piece's failure, with its CID, a debug line; renewals_total counts as before.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLogger, createMetrics } from "../../src/obs/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

describe("a renewal run whose pieces could not be renewed", () => {
  test("offline with ten pieces due: one warn line for the run (failed 10, the code), the pieces at debug, ten failures counted", async () => {
    const capture = new LogCapture();
    const metrics = createMetrics();
    const dir = tempDir("scc-renewal-log-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({
      dir,
      backend,
      metrics,
      logger: createLogger({ level: "debug", destination: capture }),
      clock: { now: () => clock.t },
      retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 },
    });
    const shared = await client.share({ path: writeRandomFile(dir, "album.zip", 320 * KiB).path }).done;
    expect(shared.view.pieces.length).toBe(10);
    clock.t += 28 * DAY;
    backend.beforeGet = () => {
      throw unreachable(backend.location);
    };
    backend.beforePut = () => {
      throw unreachable(backend.location);
    };
    const from = capture.lines().length;
    const report = await client.renewDue();
    expect(report.failed).toHaveLength(10);
    const lines = capture.lines().slice(from);
    expect(lines.filter((l) => l["level"] === 40)).toEqual([
      expect.objectContaining({ component: "storage.client", failed: 10, renewed: 0, codes: ["E_BACKEND_UNREACHABLE"] }),
    ]);
    const pieces = lines.filter((l) => l["msg"] === "renewal failed");
    expect(pieces.map((l) => l["cid"]).sort()).toEqual(shared.view.pieces.map((p) => p.cid).sort());
    expect(pieces.every((l) => l["level"] === 20 && l["code"] === "E_BACKEND_UNREACHABLE")).toBe(true);
    const renewals = metrics.registry.getSingleMetric(`${metrics.prefix}storage_renewals_total`);
    expect((await renewals?.get())?.values.find((v) => v.labels["outcome"] === "failed")?.value).toBe(10);
  });
});
