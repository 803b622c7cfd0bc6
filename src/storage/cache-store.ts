import { statSync, unlinkSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../obs/index.js";
import type { Clock } from "./client-options.js";
import { rawSha256Digest } from "./content-id.js";
import { filesMatch, whenFileHolds } from "./file-holds.js";
import type { CacheEntryRow, CacheJournal, EvictableRow } from "./journal/cache-journal.js";
import { abortedError } from "./abort-error.js";
import { asStorageError } from "./job-errors.js";
import { linkedSignal } from "./retry/index.js";
import { StorageError } from "./storage-error.js";
import type { StorageMetrics } from "./storage-metrics.js";
import { sourceIdentity, type SourceIdentity } from "./upload/source-identity.js";

/** What eviction could not free at a wake: pinned files' bytes, and served (unpinned) ones'. */
interface HeldRoom {
  readonly pinned: number;
  readonly served: number;
}

export interface Reservation {
  readonly bytes: number;
  release(): void;
}

/** What the client keeps under its quota (StorageClient.usage()). */
export interface QuotaUsage {
  /** Bytes of cached and spooled files. */
  readonly usedBytes: number;
  /** Bytes held for transfers under way (each becomes a file, or is given back). */
  readonly reservedBytes: number;
  readonly quotaBytes: number;
  /** Downloads and shares of bytes waiting for room, in turn (first come, first served). */
  readonly waitingForRoom: number;
  /** Bytes of temp files of downloads into the cache kept for a resume (not running now): counted like pinned files. */
  readonly partialBytes: number;
}

/** A reserveWhenFree() call waiting in the room queue. */
interface RoomWaiter {
  readonly bytes: number;
  readonly cid: string;
  /** Room of its own, not shared with other jobs of the content (see reserveWhenFree's `own`). */
  readonly own: boolean;
  /** The job whose kept temp file this room replaces (see CacheStore.keepPart). */
  readonly part: string | undefined;
  readonly grant: (reservation: Reservation) => void;
  readonly refuse: (error: unknown) => void;
}

/**
 * The client's files under its quota: cached downloads (evicted least recently used first) and
 * spooled uploads (pinned until their upload is done, never evicted). Space for a file is reserved
 * before its download starts, so two downloads cannot both count on the same free bytes.
 */
export class CacheStore {
  private reserved = 0;
  /** Entries being served (a cache hit checked before its path is handed out), with how many holds each: never evicted meanwhile. */
  private readonly inUse = new Map<string, number>();
  /** Reservations made for a content CID, shared by every job that will write that content's one file. */
  private readonly reservedFor = new Map<string, { bytes: number; holders: number }>();
  /**
   * reserveWhenFree() calls waiting for room, first come, first served: only the head takes room
   * as it frees (later ones that need none are served at once). Woken all at once, each looking
   * for itself, the first to look won: a steady stream of photos, each asking as another ended,
   * kept a video's download waiting for as long as the stream lasted.
   */
  private readonly roomQueue: RoomWaiter[] = [];
  /** Reservations made past waiters (a small transfer's, see reserveOrWait's `overtake`) and held now: at most one. */
  private overtaking = 0;
  /**
   * Temp files (`.part`) of downloads into the cache that are not running, by job: a failure that
   * keeps its verified pieces for a resume, a run ended by a stop or a closed backend. Counted
   * like pinned files (they go only when the job is retried, cancelled or forgotten), until the
   * job's next run reserves its room in their place. Uncounted, they stayed on disk beside a full
   * cache until the retry or the next start: the quota was no bound on what the client kept.
   */
  private readonly parts = new Map<string, number>();
  private partBytes = 0;

  /** The quota: the option (or setting) at start, then what setQuota() gave. */
  private quota: number;

  constructor(
    private readonly journal: CacheJournal,
    quotaBytes: number,
    private readonly hooks: { clock: Clock; metrics: StorageMetrics; log: Logger },
  ) {
    this.quota = quotaBytes;
    try {
      this.forgetVanished();
    } catch (error) {
      // A journal that refuses writes (a full disk) must not keep the client from starting; the next reservation tries again.
      this.hooks.log.warn({ code: asStorageError(error).code }, "could not drop the entries of vanished cached files");
    }
    this.report();
  }

  /**
   * The cached file for this content, touched as just used; undefined when absent. A row whose file
   * vanished or changed size (the application wrote to it) is dropped with its file, which would
   * otherwise stay on disk uncounted should the download that replaces it fail.
   */
  lookup(cid: string): { path: string; size: number } | undefined {
    return typed(() => {
      const entry = this.journal.get(cid);
      if (entry === undefined) return undefined;
      const size = statSync(entry.path, { throwIfNoEntry: false })?.size;
      if (size !== entry.size) {
        if (entry.pinned === 0) {
          removeFile(entry.path);
          this.journal.delete(cid);
        }
        this.report();
        return undefined;
      }
      try {
        this.journal.touch(cid, this.hooks.clock.now());
      } catch (error) {
        // Only the LRU order is lost: a full disk must not keep a received file from being opened.
        this.hooks.log.warn({ code: asStorageError(error).code }, "could not record the use of a cached file");
      }
      return { path: entry.path, size: entry.size };
    });
  }

  /**
   * Drops a cached file that no longer holds its content (the application wrote to the path fetch
   * gave it): its entry and its file go. False, and nothing done, when a pending upload pins it.
   */
  discard(cid: string): boolean {
    return typed(() => {
      const entry = this.journal.get(cid);
      if (entry === undefined) return true;
      if (entry.pinned !== 0) return false;
      removeFile(entry.path);
      this.journal.delete(cid);
      this.report();
      return true;
    });
  }

  /** Keeps the entry for `cid` from eviction until the returned function is called (once is enough). */
  hold(cid: string): () => void {
    this.inUse.set(cid, (this.inUse.get(cid) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.inUse.get(cid) ?? 1) - 1;
      if (left === 0) {
        this.inUse.delete(cid);
        // Evictable again: a download waiting for room may take it now.
        this.roomFreed();
      } else this.inUse.set(cid, left);
    };
  }

  /**
   * Makes room for `bytes` (evicting LRU entries) and holds it until released; E_QUOTA_EXCEEDED when
   * pinned files leave too little. `cid`, the content the bytes are for, is counted once: the same
   * content fetched or shared twice at once goes to one file, and content already kept needs no room.
   */
  reserve(bytes: number, cid?: string): Reservation {
    return typed(() => this.reserveTyped(bytes, cid));
  }

  /**
   * reserve(), waiting while it is only other transfers' reservations, or files being served,
   * that leave too little room: those end as cached files (evictable) or are given back, and these
   * are evictable once handed out, so the room comes; refused at once, E_QUOTA_EXCEEDED, only when
   * pinned files leave too little. Refused for room merely reserved, the third of three images
   * opened at once under a quota holding two failed for good. Waits its turn behind earlier
   * waiters (see reserveOrWait, `overtake`). Ends with the typed abort of `signal` (a cancel, a
   * stop) while it waits. `own`: room of the job's own, never shared with another job of the
   * content (a download by another reference of the same bytes, which writes a temp file of its own
   * beside this one's); content already kept still takes none.
   */
  async reserveWhenFree(bytes: number, cid: string, signal: AbortSignal, what: string, overtake = false, part?: string, own = false): Promise<Reservation> {
    const now = this.reserveOrWait(bytes, cid, overtake, part, own);
    if (now !== undefined) return now;
    return new Promise<Reservation>((resolve, reject) => {
      const waiter: RoomWaiter = {
        bytes,
        cid,
        own,
        part,
        grant: (reservation) => {
          signal.removeEventListener("abort", abort);
          resolve(reservation);
        },
        refuse: (error) => {
          signal.removeEventListener("abort", abort);
          reject(error);
        },
      };
      const abort = (): void => {
        const at = this.roomQueue.indexOf(waiter);
        if (at < 0) return;
        this.roomQueue.splice(at, 1);
        reject(abortedError(signal.reason, what));
        // The head that left may have held later ones back.
        if (at === 0) this.serveWaiters();
        this.reportRoom();
      };
      // Fired before it queued (a share cancelled as share() returned): abort() finds no waiter, and the promise never settled.
      if (signal.aborted) return reject(abortedError(signal.reason, what));
      this.roomQueue.push(waiter);
      this.reportRoom();
      signal.addEventListener("abort", abort, { once: true });
    });
  }

  /**
   * Whether the room queue's head would only wait again: files eviction cannot take now (`held`, as
   * they were when the room went down) and room still reserved leave too little, while a later wake
   * is sure to come (reserved room or a served file remains; each of those going down wakes again,
   * so a stale `held` only sends the head to reserve() for nothing). Answered without reserve()'s
   * look at every cached file (one stat each): 100 downloads waiting beside 2,000 cached files held
   * the main thread 1.5 s per freed reservation when each looked.
   */
  private stillShort(bytes: number, cid: string, own: boolean, held: HeldRoom): boolean {
    if (this.reserved === 0 && held.served === 0) return false;
    if (this.takesNoRoom(bytes, cid, own)) return false;
    return held.pinned + bytes <= this.quotaBytes && held.pinned + held.served + this.reserved + bytes > this.quotaBytes;
  }

  /** Whether reserve() would take no room for these bytes: the content is kept already, or (unless `own`) its room is reserved by another job of it. */
  private takesNoRoom(bytes: number, cid: string, own: boolean): boolean {
    return this.journal.get(cid)?.size === bytes || (!own && (this.reservedFor.get(cid)?.bytes ?? 0) >= bytes);
  }

  /**
   * reserve(), or undefined when only other transfers' reservations and files being served leave
   * too little room, or others wait for room before it (for reserveWhenFree() to wait on); refused
   * E_QUOTA_EXCEEDED at once when pinned files do. A share() checks at once, so its caller hears a
   * refusal for good, and waits in the background. Bytes that take no room are never held back.
   * `overtake` (a small file: the job queue's lane, a photo's share) may take what is free now past
   * the waiters, while no other such reservation is held: the head then waits for at most one
   * small transfer more, which ends as an evictable file (a release serves the head first).
   * `part`: the job whose kept temp file (keepPart) the room is for; it stops counting once the
   * room is reserved (the room covers the file the run goes on writing), not before. `own`: room
   * of the job's own (see reserveWhenFree).
   */
  reserveOrWait(bytes: number, cid: string, overtake = false, part?: string, own = false): Reservation | undefined {
    return typed(() =>
      this.inPlaceOfPart(part, () => {
        if (this.roomQueue.length === 0 || this.takesNoRoom(bytes, cid, own)) return this.reserveOrShort(bytes, cid, own);
        if (!overtake || this.overtaking > 0) return this.queuedBehind(bytes, cid);
        const taken = this.reserveOrShort(bytes, cid, own);
        return taken === undefined ? undefined : this.overtaken(taken);
      }),
    );
  }

  /**
   * Runs `take` with the kept temp file of job `part` uncounted (its room is what `take` reserves),
   * and counts it again unless `take` gave a reservation.
   */
  private inPlaceOfPart(part: string | undefined, take: () => Reservation | undefined): Reservation | undefined {
    const kept = part === undefined ? undefined : this.parts.get(part);
    if (kept === undefined) return take();
    this.parts.delete(part as string);
    this.partBytes -= kept;
    let taken: Reservation | undefined;
    try {
      taken = take();
      return taken;
    } finally {
      if (taken === undefined) {
        this.parts.set(part as string, kept);
        this.partBytes += kept;
      } else {
        // take() reports only when it reserves bytes of its own: room shared with another job of the content, or content kept, left the gauge at the file's size.
        this.reportRoom();
      }
    }
  }

  /**
   * Counts the temp file a download into the cache leaves for a resume (`bytes` on disk), by its
   * job, until dropPart() or the job's next reservation (reserveWhenFree's `part`). Counted at once
   * and before the run's reservation is given back, so no waiter is handed the room the file takes.
   */
  keepPart(job: string, bytes: number): void {
    const before = this.parts.get(job) ?? 0;
    this.parts.set(job, bytes);
    this.partBytes += bytes - before;
    this.report();
    if (bytes < before) this.roomFreed();
  }

  /** The job's kept temp file is gone (its job cancelled, failed for good, forgotten): its room is free. */
  dropPart(job: string): void {
    const kept = this.parts.get(job);
    if (kept === undefined) return;
    this.parts.delete(job);
    this.partBytes -= kept;
    this.report();
    this.roomFreed();
  }

  /** reserve(), or undefined when the room is short only for the moment (see reserveOrWait). */
  private reserveOrShort(bytes: number, cid: string, own = false): Reservation | undefined {
    try {
      return this.reserveTyped(bytes, cid, own);
    } catch (error) {
      // Reserved room ends as evictable files or is given back; files being served are evictable once handed out.
      const passing = this.reserved > 0 || this.inUseUnpinnedBytes() > 0;
      if (error instanceof StorageError && error.code === "E_QUOTA_EXCEEDED" && passing && this.fixedBytes() + bytes <= this.quotaBytes) return undefined;
      throw error;
    }
  }

  /**
   * Others wait for room first: undefined (this one waits behind them), unless it can never fit
   * (pinned files leave too little, or it is larger than the quota), which is said at once. Files
   * removed behind the client's back are looked for (one stat per cached file) only then.
   */
  private queuedBehind(bytes: number, cid: string): undefined {
    if (this.fixedBytes() + bytes <= this.quotaBytes) return undefined;
    this.forgetVanished();
    if (this.fixedBytes() + bytes <= this.quotaBytes) return undefined;
    throw this.shortOfRoom(bytes, this.heldBytes());
  }

  /** A reservation taken past waiters: counted as the one such held until it is given back. */
  private overtaken(taken: Reservation): Reservation {
    this.overtaking++;
    let held = true;
    return {
      bytes: taken.bytes,
      release: () => {
        if (!held) return;
        held = false;
        this.overtaking--;
        taken.release();
      },
    };
  }

  /**
   * Room for a share's spool file that reserveOrWait() could not give at share(): waited for as
   * reserveWhenFree() does, ended by a cancel (`turn`) with its typed abort. At a stop (`stop`
   * fires) undefined, no room held: the bytes are spooled over the quota so the share stays
   * resumable (the next start's fitQuota evicts), rather than hold the stop until the transfers
   * that hold the room end (a stop waits for spooling before it ends the queues' runs).
   */
  async reserveUnlessStopped(bytes: number, cid: string, turn: AbortSignal, stop: AbortSignal, what: string): Promise<Reservation | undefined> {
    const link = linkedSignal([turn, stop], undefined, what);
    try {
      return await this.reserveWhenFree(bytes, cid, link.signal, what);
    } catch (error) {
      if (!turn.aborted && stop.aborted) return undefined;
      throw error;
    } finally {
      link.dispose();
    }
  }

  /** Room went down (reserved room given back or counted as a file, a file evictable again): the waiters are served in order. */
  private roomFreed(): void {
    if (this.roomQueue.length > 0) this.serveWaiters();
    this.reportRoom();
  }

  /**
   * Serves the room queue in order: its head takes room once it fits, and none behind it takes
   * any before it (those that need none are served at once); one refused for good (pinned files
   * grew, a file the system will not remove) leaves with its typed error. Never throws: it runs in
   * a release (its transfer's clean-up).
   */
  private serveWaiters(): void {
    // Looked up once for every waiter (two sums over the cache's entries), not once each. Unread
    // (the state failing), the head looks for itself through reserve(), and hears the typed error.
    let held: HeldRoom | undefined;
    try {
      held = { pinned: this.fixedBytes(), served: this.inUseUnpinnedBytes() };
    } catch {
      held = undefined;
    }
    let blocked = false;
    for (let at = 0; at < this.roomQueue.length; ) {
      const waiter = this.roomQueue[at] as RoomWaiter;
      let taken: Reservation | undefined;
      try {
        const free = this.takesNoRoom(waiter.bytes, waiter.cid, waiter.own);
        if (blocked && !free) {
          at++;
          continue;
        }
        // Its own kept temp file is the room it asks for: not counted against it.
        const own = waiter.part === undefined ? 0 : (this.parts.get(waiter.part) ?? 0);
        const short = !free && held !== undefined && this.stillShort(waiter.bytes, waiter.cid, waiter.own, { pinned: held.pinned - own, served: held.served });
        taken = short ? undefined : this.inPlaceOfPart(waiter.part, () => this.reserveOrShort(waiter.bytes, waiter.cid, waiter.own));
      } catch (error) {
        this.roomQueue.splice(at, 1);
        waiter.refuse(asStorageError(error));
        continue;
      }
      if (taken === undefined) {
        blocked = true;
        at++;
        continue;
      }
      this.roomQueue.splice(at, 1);
      waiter.grant(taken);
    }
  }

  /** `ownRoom`: never shared with another job of the content (see reserveWhenFree's `own`). */
  private reserveTyped(bytes: number, cid: string | undefined, ownRoom = false): Reservation {
    if (cid !== undefined && this.journal.get(cid)?.size === bytes) return { bytes: 0, release: () => undefined };
    const shared = cid === undefined || ownRoom ? undefined : this.reservedFor.get(cid);
    if (shared !== undefined && shared.bytes >= bytes) {
      shared.holders++;
      return this.holderOf(cid as string, shared);
    }
    this.evictFor(bytes);
    this.reserved += bytes;
    this.reportRoom();
    if (cid === undefined || ownRoom) {
      let held = true;
      return {
        bytes,
        release: () => {
          if (held) {
            this.reserved -= bytes;
            this.roomFreed();
          }
          held = false;
        },
      };
    }
    // A smaller reservation for this content (none in practice) keeps its own holders and bytes.
    const own = { bytes, holders: 1 };
    this.reservedFor.set(cid, own);
    return this.holderOf(cid, own);
  }

  /**
   * The content's file is counted now: a reservation other jobs of the same content still hold
   * stops counting too (they end on this one file). Counted twice, it evicted files for nothing,
   * the one just handed out first, while the last of two fetches of one image ran.
   */
  private settleReservedFor(cid: string, size: number): void {
    const shared = this.reservedFor.get(cid);
    if (shared === undefined || shared.bytes > size) return;
    this.reserved -= shared.bytes;
    shared.bytes = 0;
    this.roomFreed();
  }

  private holderOf(cid: string, shared: { bytes: number; holders: number }): Reservation {
    let held = true;
    return {
      bytes: shared.bytes,
      release: () => {
        if (!held) return;
        held = false;
        if (--shared.holders > 0) return;
        this.reserved -= shared.bytes;
        if (this.reservedFor.get(cid) === shared) this.reservedFor.delete(cid);
        this.roomFreed();
      },
    };
  }

  /**
   * Records the file for this content and returns where the content is kept now. One entry per
   * content: a cached copy elsewhere (a download, now spooled for a share of the same bytes) is
   * superseded and removed, or it would stay on disk uncounted. A pinned copy (a pending upload's
   * source) is never replaced by an unpinned one: the unpinned file (a download that finished after
   * the same bytes were spooled) is the one removed, and the pinned copy's path returned; unless
   * that copy vanished or changed size, when the verified download replaces it.
   */
  add(cid: string, path: string, size: number, pinned: boolean): string {
    return typed(() => this.addTyped(cid, path, size, pinned));
  }

  private addTyped(cid: string, path: string, size: number, pinned: boolean): string {
    const before = this.journal.get(cid);
    // Only while it still has the content's size: one removed behind the client's back or written to is no copy of it.
    const keepPinned = before !== undefined && before.path !== path && before.pinned !== 0 && !pinned;
    if (keepPinned && statSync(before.path, { throwIfNoEntry: false })?.size === before.size) {
      this.journal.touch(cid, this.hooks.clock.now());
      removeFile(path);
      this.settleReservedFor(cid, before.size);
      return before.path;
    }
    this.journal.put({ cid, path, size, last_access: this.hooks.clock.now(), pinned: pinned ? 1 : 0 });
    this.settleReservedFor(cid, size);
    if (before !== undefined && before.path !== path) removeFile(before.path);
    // The spoiled copy's pin was its pending upload's (which fails on it), not this file's.
    if (keepPinned) this.journal.pin(cid, false);
    this.report();
    return path;
  }

  /**
   * The file under `dir` kept for this content (a received file), when it holds exactly `bytes`,
   * with its identity as compared (device, inode, size, mtime, ctime: an upload that reads it refuses it
   * changed since); undefined otherwise. Read and compared off the caller's turn (up to a whole
   * file), and held from eviction meanwhile; the entry may change while it is read, so the caller
   * checks pathOf() still names it before relying on it.
   */
  async copyHolding(cid: string, dir: string, bytes: Uint8Array): Promise<{ path: string; identity: SourceIdentity } | undefined> {
    const entry = typed(() => this.journal.get(cid));
    if (entry === undefined || contentCidIn(dir, entry.path) !== cid || entry.size !== bytes.byteLength) return undefined;
    const unhold = this.hold(cid);
    try {
      const identity = await whenFileHolds(entry.path, bytes, sourceIdentity);
      return identity === undefined ? undefined : { path: entry.path, identity };
    } finally {
      unhold();
    }
  }

  /**
   * Counts under the quota (evictable) the downloads a crash left in the cache directory `dir`
   * between their rename and their entry: each is named by its content CID and was verified
   * before that rename, and would otherwise stay on disk uncounted for good should its resumed
   * download fail or be cancelled. Download temp files (`<cid>.<id8>.part`) are their jobs'.
   * Best effort: a file that cannot be looked at is left for the next start.
   */
  async adoptStrays(dir: string): Promise<void> {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (name.endsWith(".part") || rawSha256Digest(name) === undefined) continue;
      const path = join(dir, name);
      try {
        if (this.pathOf(name) === path) continue;
        const info = await stat(path);
        if (info.isFile()) this.add(name, path, info.size, false);
      } catch (error) {
        this.hooks.log.warn({ code: asStorageError(error).code }, "could not account for a cached file left by a crash");
      }
    }
  }

  /**
   * Whether `path` under `dir` is its content's recorded file, pinned (an upload reads it, and may
   * have recorded its identity), and holds the same bytes as `copy` (a second download of that
   * content, verified): then the copy must not be renamed over it. Compared, not assumed: the
   * application holds the path and may have written to it.
   */
  async keepsPinnedCopy(dir: string, path: string, copy: string): Promise<boolean> {
    const cid = contentCidIn(dir, path);
    if (cid === undefined) return false;
    const entry = typed(() => this.journal.get(cid));
    return entry !== undefined && entry.path === path && entry.pinned !== 0 && (await filesMatch(copy, path));
  }

  /** Where the journal keeps this content, if anywhere. */
  pathOf(cid: string): string | undefined {
    return typed(() => this.journal.get(cid)?.path);
  }

  /**
   * Keeps an existing entry from eviction (no-op without one). An upload is about to read it (a
   * forward of a received file): a use, as a cache hit is, so it goes to the end of the LRU order;
   * left where its download put it, the file just forwarded was the next one evicted.
   */
  pin(cid: string): void {
    typed(() => {
      this.journal.pin(cid, true);
      this.journal.touch(cid, this.hooks.clock.now());
    });
  }

  /**
   * Gives back every pin no unfinished or failed upload reads (a starting client calls it). A pin is
   * written with its upload's row, but given back apart from the row's end (a cancel, a done upload
   * of an older release): an app killed between the two left the file pinned for good, never
   * evicted and counted as a pending upload's. Best effort: the next start tries again.
   */
  dropStalePins(): void {
    try {
      const freed = this.journal.dropStalePins();
      if (freed > 0) {
        this.hooks.log.info({ files: freed }, "kept files no upload reads any more are evictable again");
        this.report();
      }
    } catch (error) {
      this.hooks.log.warn({ code: asStorageError(error).code }, "could not give back the pins of kept files no upload reads");
    }
  }

  unpin(cid: string): void {
    typed(() => this.journal.pin(cid, false));
    // Evictable now: a download waiting for room may take it (else it waited for an unrelated transfer to end).
    this.roomFreed();
  }

  usage(): QuotaUsage {
    return { usedBytes: this.journal.usedBytes(), reservedBytes: this.reserved, quotaBytes: this.quotaBytes, waitingForRoom: this.roomQueue.length, partialBytes: this.partBytes };
  }

  /**
   * Drops the entries of cached and spooled files someone else removed (an OS cache cleaner, the
   * user): they hold no bytes, and counting them would evict files still on disk in their place, or
   * refuse room no file takes. Pinned ones too: their upload fails on its own (E_SOURCE_MISSING),
   * and a failed upload keeps its pin until it is retried or forgotten (30 days). An unpinned one
   * found with another size goes with its file, as lookup() drops it.
   */
  private forgetVanished(): void {
    let dropped = false;
    for (const entry of this.journal.entries()) {
      const info = statSync(entry.path, { throwIfNoEntry: false });
      if (!info?.isFile()) {
        this.journal.delete(entry.cid);
        dropped = true;
        this.hooks.log.debug({ size: entry.size }, "cached file removed behind the client's back");
      } else if (info.size !== entry.size && entry.pinned === 0 && !this.inUse.has(entry.cid)) {
        // Written to by the application (as lookup() finds it): no longer its content, and counted
        // at its old size it would keep the client over its quota, by as much as it grew, for good.
        // One the OS will not let go of now (still open in the app, on Windows) is left for the next look.
        if (this.removalRefused(entry) !== undefined) continue;
        this.journal.delete(entry.cid);
        dropped = true;
        this.hooks.log.debug({ size: entry.size }, "cached file written to behind the client's back");
      }
    }
    if (dropped) this.report();
  }

  private evictFor(bytes: number): void {
    // Only when eviction is needed: one stat per cached file.
    if (!this.fits(bytes)) this.forgetVanished();
    // Files the OS would not let go of (see evictUntilFits), with its refusal: passed over, still counted.
    const stuck = new Map<string, { size: number; refusal: StorageError }>();
    for (;;) {
      if (this.fits(bytes)) return;
      const victims = this.evictableNow(stuck);
      let stuckBytes = 0;
      for (const { size } of stuck.values()) stuckBytes += size;
      const held = this.heldBytes() + stuckBytes;
      // Refused before anything goes when even an empty cache would leave too little room.
      if (victims.length === 0 || held + this.reserved + bytes > this.quotaBytes) {
        // Short only for files that cannot go now: the OS's refusal says why, not a quota to raise.
        const [first] = stuck.values();
        // Unless room merely reserved, or files being served, are in the way too, and the bytes fit beside
        // those files once they end (as evictable files): E_QUOTA_EXCEEDED then, which reserveWhenFree() waits on.
        const served = this.inUseUnpinnedBytes();
        const fitsOncePassingEnds = (this.reserved > 0 || served > 0) && held - served + bytes <= this.quotaBytes;
        if (first !== undefined && held - stuckBytes + this.reserved + bytes <= this.quotaBytes && !fitsOncePassingEnds) throw first.refusal;
        throw this.shortOfRoom(bytes, held);
      }
      this.evictUntilFits(victims, bytes, stuck);
      this.report();
    }
  }

  /**
   * E_QUOTA_EXCEEDED for `bytes` that do not fit beside `held` bytes eviction cannot take now,
   * each said by what holds it: the advice is for the pinned files alone.
   */
  private shortOfRoom(bytes: number, held: number): StorageError {
    const details = { bytes, usedBytes: this.journal.usedBytes(), reservedBytes: this.reserved, quotaBytes: this.quotaBytes };
    if (bytes > this.quotaBytes) {
      // No upload, wait or cancel makes room for it: advising those sent the user waiting for nothing.
      return new StorageError(
        "E_QUOTA_EXCEEDED",
        `the ${bytes}-byte file is larger than the whole ${this.quotaBytes}-byte storage quota, so the client cannot keep it among its files; raise the quota, or keep it in a file of the application's (fetch with options.out, share by path)`,
        { details },
      );
    }
    const pinned = this.pinnedBytes();
    const parts = this.partBytes > 0 ? `, ${this.partBytes} by partial downloads kept for a resume` : "";
    const passing = held - pinned - this.partBytes > 0 ? `, ${held - pinned - this.partBytes} by cached files being served or not removable now` : "";
    // The advice for partial downloads only when they hold room: the message stays as it was otherwise.
    const theirs = this.partBytes > 0 ? "a failed upload keeps its file until then, a failed download the pieces it verified" : "a failed upload keeps its file until then";
    return new StorageError(
      "E_QUOTA_EXCEEDED",
      `${bytes} more bytes do not fit the ${this.quotaBytes}-byte storage quota (${pinned} used by files of pending or failed uploads${parts}${passing}, ${this.reserved} reserved); raise the quota, wait for uploads to finish, or retry or cancel failed ones (${theirs})`,
      { details: { ...details, partialBytes: this.partBytes } },
    );
  }

  /**
   * Evicts least recently used files until what the client keeps fits the quota, which may have
   * been lowered since the last session (a starting client calls it); pinned files and those being
   * served stay, even over it. Best effort: a journal that refuses writes must not keep the client
   * from starting; the next reservation evicts.
   */
  fitQuota(): void {
    try {
      const stuck = new Map<string, { size: number; refusal: StorageError }>();
      while (!this.fits(0)) {
        const victims = this.evictableNow(stuck);
        if (victims.length === 0) break;
        this.evictUntilFits(victims, 0, stuck);
      }
    } catch (error) {
      this.hooks.log.warn({ code: asStorageError(error).code }, "could not evict cached files down to the quota");
    }
    this.report();
  }

  get quotaBytes(): number {
    return this.quota;
  }

  /**
   * The quota changed while the client runs (the user gave the app less room, or more): lowered,
   * least recently used files go until what is kept fits, as at a start (fitQuota: pinned files and
   * those being served stay, even over it); either way the transfers waiting for room are looked at
   * again in their order (raised, they may take it now; one a lowered quota leaves no room for
   * hears E_QUOTA_EXCEEDED, as a new request would).
   */
  setQuota(bytes: number): void {
    this.quota = bytes;
    this.fitQuota();
    this.roomFreed();
  }

  /** Whether `bytes` more fit under the quota beside what is kept and reserved. */
  private fits(bytes: number): boolean {
    return this.journal.usedBytes() + this.partBytes + this.reserved + bytes <= this.quotaBytes;
  }

  /**
   * Entries eviction may take now, least recently used first: not pinned, not being served, not
   * `passed` over (the OS would not remove them). Looked for page after page: when the 64 least
   * recently used were all being served or open elsewhere, a download was refused (or waited) though
   * other files could go.
   */
  private evictableNow(passed: ReadonlyMap<string, unknown>): CacheEntryRow[] {
    let after: EvictableRow | undefined;
    for (;;) {
      const page = this.journal.evictable(after);
      const free = page.filter((entry) => !this.inUse.has(entry.cid) && !passed.has(entry.cid));
      if (free.length > 0 || page.length === 0) return free;
      after = page[page.length - 1];
    }
  }

  /**
   * Evicts `victims` in their order until `bytes` more fit (or none is left). A file the OS will
   * not remove now (on Windows, one still open in the player its path was handed to: EBUSY) is
   * passed over into `stuck`, kept and counted, and the next one goes: ending the eviction there,
   * it failed every download that needed room for as long as the file stayed open.
   */
  private evictUntilFits(victims: readonly CacheEntryRow[], bytes: number, stuck: Map<string, { size: number; refusal: StorageError }>): void {
    for (const victim of victims) {
      const refusal = this.removalRefused(victim);
      if (refusal !== undefined) {
        stuck.set(victim.cid, { size: victim.size, refusal });
        continue;
      }
      this.journal.delete(victim.cid);
      this.hooks.log.debug({ size: victim.size }, "evicted cached file");
      this.hooks.metrics.evictions.inc();
      if (this.fits(bytes)) break;
    }
  }

  /** Removes the entry's file (one already gone is fine); the OS's refusal, typed, when it will not, with the entry left as it is. */
  private removalRefused(entry: CacheEntryRow): StorageError | undefined {
    try {
      removeFile(entry.path);
      return undefined;
    } catch (error) {
      const refusal = asStorageError(error);
      this.hooks.log.warn({ code: refusal.code, osCode: refusal.details?.code, size: entry.size }, "a cached file could not be removed now; left for later");
      return refusal;
    }
  }

  /** Bytes eviction cannot free now: pinned files and those being served. */
  private heldBytes(): number {
    return this.fixedBytes() + this.inUseUnpinnedBytes();
  }

  /** Bytes that stay until their job ends (retried, cancelled, forgotten): pinned files and kept temp files. */
  private fixedBytes(): number {
    return this.pinnedBytes() + this.partBytes;
  }

  /** Bytes of pinned files (pending and failed uploads' sources): never evicted. */
  private pinnedBytes(): number {
    return this.journal.usedBytes() - this.journal.evictableBytes();
  }

  private inUseUnpinnedBytes(): number {
    let bytes = 0;
    for (const cid of this.inUse.keys()) {
      const entry = this.journal.get(cid);
      if (entry !== undefined && entry.pinned === 0) bytes += entry.size;
    }
    return bytes;
  }

  private report(): void {
    this.hooks.metrics.cacheBytes.set(this.journal.usedBytes());
    this.reportRoom();
  }

  /**
   * The quota's other shares (reserved, partial, waiting), which change with every reservation: no
   * query. Only the files' bytes were reported, so a dashboard showed a cache half full while
   * downloads waited for room, or partial downloads held the rest.
   */
  private reportRoom(): void {
    const { metrics } = this.hooks;
    metrics.cacheReservedBytes.set(this.reserved);
    metrics.cachePartialBytes.set(this.partBytes);
    metrics.quotaBytes.set(this.quotaBytes);
    metrics.quotaWaiting.set(this.roomQueue.length);
  }
}

/**
 * The content CID of a file the client keeps under `dir` (cache or spool), which names it; undefined
 * for any other path (the application's own file, even one whose path merely begins like `dir`).
 */
export function contentCidIn(dir: string, path: string): string | undefined {
  return dirname(path) === dir ? basename(path) : undefined;
}

/** Runs `run`; a SQLite or OS failure leaves as the typed E_LOCAL_IO (E_QUOTA_EXCEEDED and the like pass through). */
function typed<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw asStorageError(error);
  }
}

/** Removes a file of the cache; one already gone is fine. */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
  }
}
