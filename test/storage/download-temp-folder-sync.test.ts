/**
 * A download's first piece is journaled as verified ("never fetched again") only after the temp
 * file's data is synced; the temp file's own entry in its folder must be on disk by then too, or a
 * power cut leaves a journal of verified pieces whose file is gone and the download fetches them
 * again (a phone's mobile data). A power cut cannot be simulated: a pass-through wrapper of
 * node:fs/promises' open records the order of the calls that matter (the temp file created, its
 * folder synced, its data synced) beside the journal's writes of verified pieces.
 */
import { constants, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { DownloadJournal } from "../../src/storage/journal/download-journal.js";
import type { FetchResult, TransferJob } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

/** Calls on paths under `folder` are recorded while it is set. */
const trace = vi.hoisted(() => ({ folder: "", events: [] as string[] }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const open = (async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const path = String(args[0]);
    if (trace.folder === "" || !(path === trace.folder || path.startsWith(trace.folder + "/"))) return handle;
    const what = path === trace.folder ? "folder" : path.endsWith(".part") ? "temp" : "other";
    // The temp file is opened with numeric flags (O_NOFOLLOW): one with O_CREAT, or a "w…"/"a…" string, creates.
    const flags = args[1] ?? "r";
    const creates = typeof flags === "number" ? (flags & constants.O_CREAT) !== 0 : /^[wa]/.test(flags);
    trace.events.push(`open ${what} ${creates ? "create" : "existing"}`);
    const sync = handle.sync.bind(handle);
    const datasync = handle.datasync.bind(handle);
    handle.sync = async () => {
      await sync();
      trace.events.push(`sync ${what}`);
    };
    handle.datasync = async () => {
      await datasync();
      trace.events.push(`datasync ${what}`);
    };
    return handle;
  }) as typeof real.open;
  return { ...real, default: { ...real, open }, open };
});

describe("a download's temp file and its folder", () => {
  test("the folder holding a new temp file is synced after the file is created and before any piece is journaled as verified", async () => {
    const dir = tempDir("scc-temp-folder-sync-");
    const { client } = await startClient({ dir });
    const { path, bytes } = writeRandomFile(dir, "voice-note.ogg", 100 * KiB);
    const { view } = await client.share({ path }).done;
    const outDir = join(dir, "received");
    mkdirSync(outDir);
    const out = join(outDir, "voice-note.ogg");
    const original = DownloadJournal.prototype.recordPieces;
    const recordPieces = vi.spyOn(DownloadJournal.prototype, "recordPieces").mockImplementation(function (this: DownloadJournal, ...args) {
      trace.events.push("journal pieces");
      original.apply(this, args);
    });
    trace.folder = outDir;
    trace.events = [];
    try {
      const result = await (client.fetch(view, { out }) as TransferJob<FetchResult>).done;
      expect(result.path).toBe(out);
    } finally {
      trace.folder = "";
      recordPieces.mockRestore();
    }
    expect(readFileSync(out).equals(bytes)).toBe(true);
    const events = trace.events;
    const created = events.indexOf("open temp create");
    const firstJournaled = events.indexOf("journal pieces");
    expect(created, events.join(", ")).toBeGreaterThanOrEqual(0);
    expect(firstJournaled, events.join(", ")).toBeGreaterThan(created);
    const folderSynced = events.indexOf("sync folder", created);
    expect(folderSynced, `the temp file's folder synced before the first piece was journaled: ${events.join(", ")}`).toBeGreaterThan(created);
    expect(folderSynced, `the temp file's folder synced before the first piece was journaled: ${events.join(", ")}`).toBeLessThan(firstJournaled);
  });
});
