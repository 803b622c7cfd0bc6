import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { openState } from "../../../state/index.js";
import { createLocalBackend, type ShareResult } from "../../../storage/index.js";
import type { ProtocolProfile } from "../../../versions/index.js";
import type { DirectionContext } from "../matrix-types.js";
import { GatedBackend } from "../gated-backend.js";
import { CheckClients } from "./check-clients.js";

const PIECE_SIZE = 64 * 1024;
/** Seven pieces each way; the switch comes after two. */
const FILE_SIZE = 6 * PIECE_SIZE + 4321;
const PIECES = 7;
const BEFORE_SWITCH = 2;

/**
 * Each release's own chunk and piece sizes, not the same (a release may choose others): the
 * switched-to release must finish the jobs in the sizes they were journaled with and read the
 * references it gets by theirs. With one size on both sides, a release that resumed or fetched by
 * its own settings passed.
 */
const SIZES = {
  before: { chunkSize: 16 * 1024, pieceSize: PIECE_SIZE },
  after: { chunkSize: 64 * 1024, pieceSize: 2 * PIECE_SIZE },
} as const;

/** The outcome of a switch that went wrong: the cell fails with it. */
export class SwitchFailure extends Error {}

/**
 * The release switch with work in flight, from the writer's release to the reader's: an upgrade
 * when the writer is the older one, a rollback otherwise (the older release opens the file the
 * newer one left, as its compat level allows). The writer's client stops with a spooled upload and
 * a download half-way; the reader's client opens the same state database and data directory and
 * must finish both, sending no stored piece again and fetching no verified piece again, with a
 * reference its own release writes; a file shared before the switch must still be available (its
 * renewal state read right) and one cached must be a cache hit. Returns one line for the cell;
 * throws SwitchFailure otherwise.
 */
export async function releaseSwitch(ctx: DirectionContext, dir: string, content: (size: number, seed: string) => Buffer): Promise<string> {
  const { writer, reader } = ctx;
  const what = `${ctx.direction === "older-to-newer" ? "upgrade" : "rollback"} ${writer.release.release} → ${reader.release.release}`;
  // Stopped when the signal aborts, too: a cell abandoned past its deadline must really end.
  const clients = new CheckClients(ctx.signal);
  const network = clients.own(createLocalBackend({ dir: join(dir, "network") }));
  const gate = new GatedBackend(network);
  const sent = content(FILE_SIZE, `${what}/sent`);
  const received = content(FILE_SIZE, `${what}/received`);
  const statePath = join(dir, "state.sqlite");
  // Each release's own client (profile), not the newest release of its protocol (file-transfer.ts).
  const options = (side: ProtocolProfile, release: keyof typeof SIZES) => ({
    protocol: side.protocol,
    profile: side,
    backend: gate,
    statePath,
    dataDir: join(dir, "data"),
    ...SIZES[release],
    piecesInFlight: 1,
    jobsInFlight: 1,
    renewEveryMs: 0,
    logger: ctx.logger,
  });
  const open = clients.open.bind(clients);
  try {
    // A contact of the writer's release shared a file; the user's client fetches it.
    const peer = await open({ ...options(writer, "before"), backend: network, statePath: join(dir, "peer.sqlite"), dataDir: join(dir, "peer") });
    const { reference } = await peer.share({ bytes: received, fileName: "received.bin" }).done;

    const before = await open(options(writer, "before"));
    // What the previous release finished: a file shared (its renewal state) and one fetched into the cache.
    const kept = await before.share({ bytes: content(PIECE_SIZE + 99, `${what}/kept`), fileName: "kept.bin" }).done;
    const cached = await before.fetch(reference).done;
    gate.limit(BEFORE_SWITCH, BEFORE_SWITCH);
    const upload = before.share({ bytes: sent, fileName: "sent.bin" });
    const out = join(dir, "received.bin");
    const download = before.fetch(reference, { out });
    await switchPoint(gate, { upload: upload.done, download: download.done }, ctx.signal, what);
    await before.stop();
    await Promise.allSettled([upload.done, download.done]);
    const { stored, verified } = await journaled(statePath, writer.stateLevel, upload.id, download.id);

    gate.open();
    const puts = gate.puts;
    const gets = gate.gets;
    const after = await open(options(reader, "after"));
    const shared = (await after.job(upload.id).done) as ShareResult;
    await after.job(download.id).done;
    if (gate.puts - puts !== PIECES - stored) throw new SwitchFailure(`${what}: ${gate.puts - puts} pieces uploaded after the switch, ${PIECES - stored} were missing`);
    if (gate.gets - gets !== PIECES - verified) throw new SwitchFailure(`${what}: ${gate.gets - gets} pieces fetched after the switch, ${PIECES - verified} were missing`);
    if (!(await readFile(out)).equals(received)) throw new SwitchFailure(`${what}: the download finished by ${reader.release.release} differs from the file shared`);
    if (shared.protocol > reader.protocol) throw new SwitchFailure(`${what}: ${reader.release.release} returned a protocol ${shared.protocol} reference`);
    const renewal = (await after.status(kept.reference)).state;
    if (renewal !== "available") throw new SwitchFailure(`${what}: a file shared just before the switch is ${renewal} for ${reader.release.release}`);
    const hit = await after.fetch(reference).done;
    if (!hit.fromCache || hit.path !== cached.path || gate.gets - gets !== PIECES - verified) {
      throw new SwitchFailure(`${what}: a file ${writer.release.release} had cached was not a cache hit for ${reader.release.release}`);
    }
    // The reference the switched-to release returns reaches a contact of the previous release intact.
    const parts: Buffer[] = [];
    for await (const part of peer.fetchStream(shared.reference)) parts.push(part);
    if (!Buffer.concat(parts).equals(sent)) throw new SwitchFailure(`${what}: the upload finished by ${reader.release.release} came back different`);
    return `${what} with jobs in flight: upload resumed at piece ${stored} of ${PIECES}, download at piece ${verified} of ${PIECES}, both finished; renewal state and cache carried over`;
  } catch (error) {
    throw clients.reasonOr(error);
  } finally {
    gate.open();
    await clients.end();
  }
}

/** Pieces the journal holds for the upload and the download, read without writing (at the file's own level). */
async function journaled(path: string, level: number, uploadId: string, downloadId: string): Promise<{ stored: number; verified: number }> {
  const state = await openState({ path, level, readOnly: true, migrate: false });
  try {
    const count = (sql: string, id: string): number => state.db.prepare(sql).pluck().get(id) as number;
    return {
      stored: count(`SELECT count(*) FROM upload_pieces WHERE job_id = ?`, uploadId),
      verified: count(`SELECT count(*) FROM download_pieces WHERE job_id = ?`, downloadId),
    };
  } finally {
    state.close();
  }
}

/**
 * Waits until the upload and the download are both held at the gate, at piece BEFORE_SWITCH + 1.
 * No deadline of its own: the cell's signal is the deadline, which a slow machine raises with
 * --cell-timeout (a fixed 30 s failed such a machine's cell as a broken pair). A job that ends
 * before (an error, a disk refusal, a file too small to reach the point) ends the wait at once
 * with its own error, which the matrix reads as any check's (a disk refusal stops the run); the
 * wait went on to 30 s and reported a time-out instead.
 */
async function switchPoint(gate: GatedBackend, jobs: { upload: Promise<unknown>; download: Promise<unknown> }, signal: AbortSignal, what: string): Promise<void> {
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  const endedEarly = (name: string, job: Promise<unknown>): Promise<never> =>
    job.then(
      () => {
        throw new SwitchFailure(`${what}: the ${name} finished before it reached piece ${BEFORE_SWITCH + 1} of ${PIECES}, where the switch comes`);
      },
      (error: unknown) => {
        throw error;
      },
    );
  try {
    await Promise.race([gate.holdingBoth(), aborted, endedEarly("upload", jobs.upload), endedEarly("download", jobs.download)]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}
