/**
 * What the matrix's storage column must exercise between adjacent releases that both have a
 * storage client, beyond a file sent at the negotiated version: a reference the newer release
 * writes at its own version, which the older one's wire window admits (a peer whose capabilities
 * are stale: the user went back a release), and the release switch itself with work in flight
 * (upgrade in one direction, rollback in the other: jobs the previous release left half-way are
 * finished by the next one on the same state database and data directory).
 */
import { describe, expect, it } from "vitest";
import { MATRIX_CHECKS, runMatrix, type MatrixReport } from "../../src/compat/index.js";
import { releaseTable } from "../../src/versions/index.js";

const storage = MATRIX_CHECKS.filter((c) => c.column === "storage");

/**
 * The storage column's run, made once for the file: its first two cases read different cells of
 * the same report (the same checks on the same table), and each ran the column itself, seconds each.
 */
let storageRun: Promise<MatrixReport> | undefined;
const storageReport = (): Promise<MatrixReport> => (storageRun ??= runMatrix({ checks: storage }));

function detail(report: MatrixReport, writer: string, reader: string): string {
  const row = report.rows.find((r) => r.writer === writer && r.reader === reader);
  const cell = row?.cells.storage;
  expect(cell?.status, cell?.detail).toBe("pass");
  return cell?.detail ?? "";
}

describe("matrix: the newer release at its own version, and the release switch", () => {
  it("hands the older release a reference the newer one wrote at its own version, and the older release fetches it", async () => {
    const report = await storageReport();
    expect(detail(report, "0.3.0", "0.2.0")).toMatch(/video\.mp4 at v3 \(stale capabilities\) via storage/);
  });

  it("switches releases with an upload and a download half-way: upgrade in one direction, rollback in the other, every job finished by the next release", async () => {
    const report = await storageReport();
    for (const [older, newer] of releaseTable.adjacentPairs()) {
      if (!older.writes.includes("file-reference")) {
        expect(detail(report, older.release, newer.release)).not.toMatch(/switch/);
        continue;
      }
      expect(detail(report, older.release, newer.release)).toMatch(new RegExp(`upgrade ${older.release} → ${newer.release} with jobs in flight: upload resumed at piece \\d+ of \\d+, download at piece \\d+ of \\d+, both finished; renewal state and cache carried over`));
      expect(detail(report, newer.release, older.release)).toMatch(new RegExp(`rollback ${newer.release} → ${older.release} with jobs in flight: upload resumed at piece \\d+ of \\d+, download at piece \\d+ of \\d+, both finished; renewal state and cache carried over`));
    }
  });

  it("the wire column opens, at the older release, envelopes the newer one writes at its own version (every kind its window admits)", async () => {
    const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "wire") });
    const cell = report.rows.find((r) => r.writer === "0.3.0" && r.reader === "0.2.0")?.cells.wire;
    expect(cell?.status, cell?.detail).toBe("pass");
    expect(cell?.detail).toMatch(/\b[1-9]\d* at v3 \(stale capabilities\) opened intact/);
    // Older to newer, the negotiated version is the writer's own already.
    expect(report.rows.find((r) => r.writer === "0.2.0" && r.reader === "0.3.0")?.cells.wire?.detail).not.toMatch(/stale/);
  });

  it("the forward column holds a relay that changes nothing to the bytes it received, unknown fields included", async () => {
    const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "forward") });
    for (const row of report.rows) {
      const cell = row.cells.forward;
      expect(cell?.status, cell?.detail).toBe("pass");
      expect(cell?.detail).toMatch(/\d+ relayed untouched byte for byte/);
    }
  });
});
