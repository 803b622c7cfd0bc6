/**
 * RenewalRun is what one renewal run learns (an outage, the store full, a piece lacking, a source
 * lost) and what each fact makes the run do with the pieces after. The client-level tests
 * (renewal-node-full, renewal-full-node-held-pieces, renewal-offline, …) prove the scenarios; these
 * pin the rules between the facts that no single scenario shows whole.
 */
import { describe, expect, test } from "vitest";
import { RenewalRun } from "../../src/storage/availability/renewal-run.js";
import { StorageError } from "../../src/storage/storage-error.js";

describe("a renewal run's state", () => {
  test("a new run tries every piece: it is not stopped, the store is not known full, and no piece is passed over", () => {
    const run = new RenewalRun();
    expect(run.stoppedWith).toBeUndefined();
    expect(run.storeFull).toBe(false);
    for (const asked of [undefined, "none", "first-lacks", "maybe"] as const) {
      expect(run.piece("a").located(true, asked)).toBeUndefined();
      expect(run.piece("b").located(false, asked)).toBeUndefined();
    }
    expect(run.piece("c").readBackFailed("none")).toBeUndefined();
  });

  test("a piece that ended with nothing for the run to learn (renewed, reported with a lasting error) changes nothing", () => {
    const run = new RenewalRun();
    const piece = run.piece("a");
    piece.located(true, undefined);
    run.ended(piece, undefined);
    expect(run.stoppedWith).toBeUndefined();
    expect(run.storeFull).toBe(false);
  });

  test("a transient failure stops the run with its code, whether the piece was known held or not", () => {
    for (const asked of ["maybe", "none"] as const) {
      const run = new RenewalRun();
      const piece = run.piece("a");
      piece.located(false, asked);
      run.ended(piece, "E_BACKEND_UNREACHABLE");
      expect(run.stoppedWith).toBe("E_BACKEND_UNREACHABLE");
      expect(run.storeFull).toBe(false);
    }
  });

  test("a refusal for room of a piece known held stops the run (freeing space takes a person); of one not known held, the store is full and the run goes on", () => {
    const held = new RenewalRun();
    const heldPiece = held.piece("a");
    heldPiece.located(false, "maybe");
    expect(heldPiece.lacking).toBe(false);
    held.ended(heldPiece, "E_QUOTA_EXCEEDED");
    expect(held.stoppedWith).toBe("E_QUOTA_EXCEEDED");
    expect(held.storeFull).toBe(false);

    // Lacking: past its expiry, or the first endpoint or every endpoint said it lacks it.
    for (const [expired, asked] of [
      [true, undefined],
      [true, "maybe"],
      [false, "first-lacks"],
      [false, "none"],
    ] as const) {
      const run = new RenewalRun();
      const piece = run.piece("a");
      piece.located(expired, asked);
      expect(piece.lacking).toBe(true);
      run.ended(piece, "E_QUOTA_EXCEEDED");
      expect(run.stoppedWith).toBeUndefined();
      expect(run.storeFull).toBe(true);
    }
  });

  test("a piece whose read back failed counts as lacking: its refusal for room makes the store full, it does not stop the run", () => {
    const run = new RenewalRun();
    const piece = run.piece("a");
    piece.located(false, "maybe");
    piece.readBackFailed("none");
    run.ended(piece, "E_QUOTA_EXCEEDED");
    expect(run.stoppedWith).toBeUndefined();
    expect(run.storeFull).toBe(true);
  });

  test("once the store is full, only a piece no endpoint says it has (or whose read back failed) is passed over, with the full store's error and no outage", () => {
    const run = new RenewalRun();
    const refused = run.piece("refused");
    refused.located(false, "none");
    run.ended(refused, "E_QUOTA_EXCEEDED");

    const nowhere = run.piece("nowhere").located(false, "none");
    const notAsked = run.piece("expired").located(true, undefined);
    // Its read back failed: passed over when the other endpoints lack it too, or were not asked (none was tried).
    for (const passed of [nowhere, notAsked, run.piece("unreadable").readBackFailed("none"), run.piece("untried").readBackFailed(undefined)]) {
      expect(passed?.error).toBeInstanceOf(StorageError);
      expect(passed?.error.code).toBe("E_QUOTA_EXCEEDED");
      expect(passed?.error.message).toMatch(/^not sent: /);
      expect(passed?.outage).toBeUndefined();
    }
    // A holder takes these without room: sent.
    expect(run.piece("first-lacks").located(false, "first-lacks")).toBeUndefined();
    expect(run.piece("expired-held").located(true, "maybe")).toBeUndefined();
    expect(run.piece("held").located(false, "maybe")).toBeUndefined();
    // Its read back failed on one endpoint, and another says it has it: sent, that one takes it without room.
    expect(run.piece("held-elsewhere").readBackFailed("first-lacks")).toBeUndefined();
  });

  test("a second refusal for room of a lacking piece leaves the store full and the run going; one of a held piece after it stops the run", () => {
    const run = new RenewalRun();
    for (const cid of ["a", "b"]) {
      const piece = run.piece(cid);
      piece.located(false, "first-lacks");
      run.ended(piece, "E_QUOTA_EXCEEDED");
      expect(run.stoppedWith).toBeUndefined();
    }
    const held = run.piece("c");
    held.located(false, "maybe");
    run.ended(held, "E_QUOTA_EXCEEDED");
    expect(run.stoppedWith).toBe("E_QUOTA_EXCEEDED");
  });

  test("pieces whose source is lost come back in the last pass in their order, with what the first pass learnt of them", () => {
    const run = new RenewalRun();
    const nowhere = run.piece("nowhere");
    nowhere.located(true, undefined);
    const firstLacks = run.piece("first-lacks");
    firstLacks.located(false, "first-lacks");
    const missing = new StorageError("E_SOURCE_MISSING", "gone");
    run.sourceLost(nowhere, missing);
    run.sourceLost(firstLacks, missing);
    const last = run.lastPass();
    expect(last.map((put) => put.piece.cid)).toEqual(["nowhere", "first-lacks"]);
    expect(last.map((put) => put.sourceError)).toEqual([missing, missing]);
    // Read from the network while the store is not known full.
    expect(last.map((put) => put.piece.resumed())).toEqual([undefined, undefined]);

    // The store found full in the meantime (by a later piece of the first pass): the one no endpoint has is not read to be refused.
    const refused = run.piece("refused");
    refused.located(false, "none");
    run.ended(refused, "E_QUOTA_EXCEEDED");
    expect(last[0]?.piece.resumed()?.error.code).toBe("E_QUOTA_EXCEEDED");
    expect(last[1]?.piece.resumed()).toBeUndefined();
    // Its refusal in the last pass counts as a lacking piece's.
    run.ended(last[1]!.piece, "E_QUOTA_EXCEEDED");
    expect(run.stoppedWith).toBeUndefined();
  });

  test("a piece past its expiry located without asking stays unasked until the endpoints answer: only then is its 'nowhere' more than a guess", () => {
    const run = new RenewalRun();
    const piece = run.piece("a");
    piece.located(true, undefined);
    expect(piece.unasked).toBe(true);
    const refused = run.piece("b");
    refused.located(false, "none");
    run.ended(refused, "E_QUOTA_EXCEEDED");
    // Asked now that the store is full: a holder means it is sent after all.
    expect(piece.located(true, "maybe")).toBeUndefined();
    expect(piece.unasked).toBe(false);
    expect(piece.resumed()).toBeUndefined();
  });

  test("a piece whose read back failed, put off with its source gone, is passed over in the last pass once the store is full, as it would have been in the first", () => {
    const run = new RenewalRun();
    const unservable = run.piece("a");
    unservable.located(false, "maybe");
    expect(unservable.readBackFailed("none")).toBeUndefined();
    run.sourceLost(unservable, new StorageError("E_SOURCE_MISSING", "gone"));
    const refused = run.piece("b");
    refused.located(false, "none");
    run.ended(refused, "E_QUOTA_EXCEEDED");
    expect(run.lastPass()[0]?.piece.resumed()?.error.code).toBe("E_QUOTA_EXCEEDED");
  });
});
