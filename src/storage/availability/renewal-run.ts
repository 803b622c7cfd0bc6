import type { StorageBackend } from "../backend.js";
import { StorageError } from "../storage-error.js";

/**
 * What the endpoints' /exists said of a piece (renew-pieces.ts holders): `none` every endpoint
 * answered that it lacks it, `first-lacks` the one a read would try first did, `maybe` one may have it.
 */
export type Holders = "none" | "first-lacks" | "maybe";

/** A piece's failure to report: its error, and the outage a read behind it ran into (the run learns it is offline). */
export interface PieceFailure {
  readonly error: StorageError;
  readonly outage: string | undefined;
}

/**
 * What one renewal run has learnt, and what each fact makes it do with the pieces after. Pieces
 * are renewed one at a time, so facts only accumulate within a run; the next run starts from none
 * (space freed, the device back online).
 *
 * - An endpoint is *silent* (its /exists could not be asked): it is not asked again in this run,
 *   since one that hangs would cost its timeout per piece.
 * - The *store is full*: a piece not known held was refused for room (E_QUOTA_EXCEEDED). A full
 *   Codex node refuses only what it must find room for and stores a block it holds again without
 *   room, keeping the later expiry (nim-codex repostore putBlock), so the run goes on: a piece no
 *   endpoint says it has is passed over unsent (its bytes would be sent, over a phone's metered
 *   data, to be refused), one past its expiry is asked about first (a node may still hold it, not
 *   swept yet), and the others are renewed.
 * - The run is *stopped*: a piece used up its attempts on transient failures (offline, every
 *   endpoint down), or a piece known held was refused for room (freeing space takes a person).
 *   Every piece after it is reported failed with that code, unsent: each would cost the same
 *   (about a minute apiece with backoff, holding every renewDue() waiting its turn), and the next
 *   run tries them again.
 * - A piece's *source is lost*: it is put off to the run's last pass (a read from the network,
 *   which Codex answers by hanging for a block it lost: made first, it would cost a short phone
 *   session every run while the other files expired).
 */
export class RenewalRun {
  /** Endpoints whose /exists could not be asked in this run. */
  readonly silent = new Set<StorageBackend>();
  private fullStore: StorageError | undefined;
  private stopCode: string | undefined;
  private readonly putOff: { readonly piece: PieceInRun; readonly sourceError: StorageError }[] = [];

  /** The code every remaining piece is reported failed with, unsent; undefined while pieces are still tried. */
  get stoppedWith(): string | undefined {
    return this.stopCode;
  }

  /** Whether the store is known full: then a piece past its expiry is asked about before it is sealed or passed over. */
  get storeFull(): boolean {
    return this.fullStore !== undefined;
  }

  /** Begins one piece's renewal in the first pass. */
  piece(cid: string): PieceInRun {
    return new PieceInRun(this, cid);
  }

  /**
   * Its source cannot give the piece (`sourceError`, reported if the network cannot either): put
   * off to the last pass, keeping what this pass learnt of it.
   */
  sourceLost(piece: PieceInRun, sourceError: StorageError): void {
    this.putOff.push({ piece, sourceError });
  }

  /** The pieces put off, in the order they were. */
  lastPass(): readonly { readonly piece: PieceInRun; readonly sourceError: StorageError }[] {
    return this.putOff;
  }

  /**
   * A piece's renewal ended; `code` is renewOne's: a failure's whose attempts went to transient
   * failures, a full store's refusal, or the outage a reported failure ran into; undefined otherwise.
   */
  ended(piece: PieceInRun, code: string | undefined): void {
    if (code === undefined) return;
    if (code === "E_QUOTA_EXCEEDED" && piece.lacking) this.fullStore ??= fullStoreError();
    else this.stopCode = code;
  }

  /** The failure a piece no endpoint says it has reports, unsent, once the store is full; undefined: it is sent. */
  passOver(nowhere: boolean): PieceFailure | undefined {
    return nowhere && this.fullStore !== undefined ? { error: this.fullStore, outage: undefined } : undefined;
  }
}

/**
 * One piece's facts within a run. `lacking`: not known held (past its expiry, an endpoint said it
 * lacks it, or its read back failed), so a refusal of it for room is the store being full, not a
 * reason to stop. `nowhere`: no endpoint says it has it (every one answered so, or it is past its
 * expiry and they were not asked) but one that cannot serve it, so once the store is full it is not sent to be refused.
 */
export class PieceInRun {
  private isLacking = false;
  private nowhere = false;
  private wasAsked = false;

  constructor(
    private readonly run: RenewalRun,
    readonly cid: string,
  ) {}

  get lacking(): boolean {
    return this.isLacking;
  }

  /**
   * Past its expiry and located without asking the endpoints (the store not known full then): its
   * `nowhere` is a guess, which must be asked about before the piece is passed over (a full node may
   * still hold it, not swept yet, and takes it again without room).
   */
  get unasked(): boolean {
    return !this.wasAsked;
  }

  /**
   * Past its expiry (`expired`) and what /exists said (`asked`; not asked: undefined). The first
   * in order lacking it while another may hold it (`first-lacks`) is sent: a holder takes it
   * without room. Gives the failure to report unsent, if any.
   */
  located(expired: boolean, asked: Holders | undefined): PieceFailure | undefined {
    this.isLacking = expired || asked !== "maybe";
    this.nowhere = asked === undefined || asked === "none";
    this.wasAsked = asked !== undefined;
    return this.run.passOver(this.nowhere);
  }

  /**
   * Its one-attempt read back failed: an endpoint that says it has it but cannot serve it (its
   * blocks gone, the manifest kept) needs room to take it again, like one no endpoint has. `others`:
   * what the other endpoints' /exists said (undefined: not asked, no endpoint was tried). When none
   * of them has it either, once the store is full it is passed over, not sealed to be refused; nor,
   * its source gone, read from the network in the last pass (stalling on such a node, the policy's
   * attempts) to be refused. One that may hold it takes it again without room, so it is sent (in
   * light mode, before, a piece one endpoint could not serve was passed over while another held it,
   * and expired there for every receiver).
   */
  readBackFailed(others: Holders | undefined): PieceFailure | undefined {
    this.isLacking = true;
    this.nowhere = others === undefined || others === "none";
    return this.run.passOver(this.nowhere);
  }

  /** In the last pass, before it is read from the network: the failure to report unsent, as located() gave it. */
  resumed(): PieceFailure | undefined {
    return this.run.passOver(this.nowhere);
  }
}

function fullStoreError(): StorageError {
  return new StorageError(
    "E_QUOTA_EXCEEDED",
    "not sent: in this renewal run every endpoint refused a piece it lacks for a full store; free space on the node (its --storage-quota or its disk) or add an endpoint, and the next run stores it",
  );
}
