/**
 * The matrix must fail when a pair is broken, not only pass when it is whole. Each case here breaks
 * one thing a release does (through a module stand-in, switched on for that case only) and
 * requires the matrix to report the broken pair in the cells that exercise it.
 * Before the fixes these breaks passed 24/24: the wire and storage cells took the envelope's
 * readability from the code under test (a53ebb3), and both sides of the storage cell sealed and
 * planned with the same chunk and piece sizes.
 */
import { afterEach, describe, expect, test, vi } from "vitest";

const breaks = vi.hoisted(() => ({ ownMinReader: false, plansByOwnChunk: false, forgetsPiecesWithoutOffset: false }));

// A newer release that marks what it writes at its own version readable only by its own version:
// min_reader = version (a writer may set it higher than the rule, so the wire accepts it), which
// every 0.2.0 reader then refuses with the fallback text, though it reads protocol 3 envelopes.
vi.mock("../../src/negotiate/choose-write-version.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/negotiate/choose-write-version.js")>();
  return {
    ...original,
    chooseWriteVersion: (...args: Parameters<typeof original.chooseWriteVersion>) => {
      const choice = original.chooseWriteVersion(...args);
      return breaks.ownMinReader && choice.version >= 3 ? { ...choice, minReader: choice.version } : choice;
    },
  };
});

// A receiver that opens a shared file in its own default chunk size instead of the reference's.
vi.mock("../../src/storage/piece-plan.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/storage/piece-plan.js")>();
  return {
    ...original,
    planOfReference: (...[ref, maxPieceBytes]: Parameters<typeof original.planOfReference>) =>
      original.planOfReference(breaks.plansByOwnChunk ? { ...ref, encryption: { ...ref.encryption, chunkSize: 64 * 1024 } } : ref, maxPieceBytes),
  };
});

// A release that keeps protocol 3 but no longer writes piece-index (0.4.0 below): its journal,
// which leaves a level-3 file's piece offsets out, forgets the pieces of the protocol 3 uploads it
// starts. Only that release's own client reaches it: protocol 3's newest release in the embedded
// table (0.3.0) writes the offsets, and 0.2.0, which does not, starts protocol 2 uploads.
vi.mock("../../src/storage/journal/upload-journal.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/storage/journal/upload-journal.js")>();
  type Base = InstanceType<typeof original.UploadJournal>;
  class UploadJournal extends original.UploadJournal {
    private readonly withoutOffset: boolean;
    private readonly forgotten = new Set<string>();
    constructor(...args: ConstructorParameters<typeof original.UploadJournal>) {
      super(...args);
      const [db, writesOffset] = args;
      this.withoutOffset = !writesOffset && db.prepare(`SELECT 1 FROM pragma_table_info('upload_pieces') WHERE name = 'offset'`).get() !== undefined;
    }
    override create(...args: Parameters<Base["create"]>): void {
      super.create(...args);
      if (breaks.forgetsPiecesWithoutOffset && this.withoutOffset && args[0].protocol === 3) this.forgotten.add(args[0].id);
    }
    override recordPiece(...args: Parameters<Base["recordPiece"]>): void {
      if (!this.forgotten.has(args[0])) super.recordPiece(...args);
    }
  }
  return { ...original, UploadJournal };
});

const { MATRIX_CHECKS, runMatrix } = await import("../../src/compat/index.js");
const { ReleaseTable, releaseTable } = await import("../../src/versions/index.js");

/** The embedded table plus 0.4.0, which keeps protocol 3 and its state level and no longer writes piece-index. */
function tableWithRowKeepingProtocol(): InstanceType<typeof ReleaseTable> {
  const json = { releases: releaseTable.rows.map((r) => ({ ...r, writes: [...r.writes], reads: [...r.reads] })) };
  const last = json.releases[json.releases.length - 1]!;
  json.releases.push({ ...last, release: "0.4.0", summary: "keeps protocol 3", writes: last.writes.filter((f) => f !== "piece-index") });
  return new ReleaseTable(json);
}

afterEach(() => {
  breaks.ownMinReader = false;
  breaks.plansByOwnChunk = false;
  breaks.forgetsPiecesWithoutOffset = false;
});

/** "writer>reader column" of every failed cell. */
async function failedCells(columns: readonly string[], table?: InstanceType<typeof ReleaseTable>): Promise<string[]> {
  const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => columns.includes(c.column)), ...(table === undefined ? {} : { table }) });
  expect(report.ok).toBe(false);
  return report.rows.flatMap((r) => Object.entries(r.cells).filter(([, c]) => c.status === "fail").map(([column]) => `${r.writer}>${r.reader} ${column}`));
}

describe("the matrix fails a broken pair", () => {
  test("0.3.0 envelopes that 0.2.0 is promised to open (an N reader opens N+1) but refuses with the fallback text fail the 0.3.0 → 0.2.0 wire and storage cells", async () => {
    breaks.ownMinReader = true;
    const failed = await failedCells(["wire", "storage"]);
    expect(failed.sort()).toEqual(["0.3.0>0.2.0 storage", "0.3.0>0.2.0 wire"]);
  }, 60_000);

  test("0.3.0 pointers that 0.2.0 (promised to read N+1) refuses fail the 0.3.0 → 0.2.0 bridge cell only, which names the refusal", async () => {
    breaks.ownMinReader = true;
    const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "bridge") });
    const failed = report.rows.filter((r) => r.cells.bridge?.status === "fail");
    expect(failed.map((r) => `${r.writer}>${r.reader}`)).toEqual(["0.3.0>0.2.0"]);
    expect(failed[0]?.cells.bridge?.detail).toMatch(/^0\.3\.0 → 0\.2\.0: the 0\.2\.0 member holds no description, not clock 1: nothing more came \(dropped: E_BRIDGE_UNREADABLE \(.*version 3.*\)\)$/);
  }, 60_000);

  test("a receiver that ignores the reference's chunk size fails the storage cells of both directions of the pair that shares files", async () => {
    breaks.plansByOwnChunk = true;
    const failed = await failedCells(["storage"]);
    expect(failed.sort()).toEqual(["0.2.0>0.3.0 storage", "0.3.0>0.2.0 storage"]);
  }, 60_000);

  test("a release that keeps its predecessor's protocol is run as itself: a break only its own client has (its uploads) fails the cell where it uploads, 0.4.0 → 0.3.0, and no other (a client built by protocol ran 0.3.0 in its place, which passed, or failed both 0.4.0 cells as not runnable)", async () => {
    breaks.forgetsPiecesWithoutOffset = true;
    const failed = await failedCells(["storage"], tableWithRowKeepingProtocol());
    expect(failed).toEqual(["0.4.0>0.3.0 storage"]);
  }, 120_000);
});
