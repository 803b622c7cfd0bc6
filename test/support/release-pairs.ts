/**
 * The N / N+1 pairs the property tests run over, read from the release table rather than listed in
 * each file: adding a release adds its pair to every N ↔ N+1 property by itself, as the matrix
 * (ReleaseTable.adjacentPairs) and the storage property already do.
 */
import { releaseTable as embedded, type ReleaseTable } from "../../src/versions/index.js";

/** One adjacent pair of protocol versions: what an older and a newer consecutive release speak. */
export interface ProtocolPair {
  readonly older: number;
  readonly newer: number;
}

/**
 * The protocol versions of consecutive releases, older first, each pair once: adjacent rows that
 * speak different protocols. A row that keeps its predecessor's protocol adds no wire pair (both
 * read and write the same version: the "every version" properties cover it).
 */
export function adjacentProtocolPairs(table: ReleaseTable = embedded): ProtocolPair[] {
  const pairs: ProtocolPair[] = [];
  for (const [a, b] of table.adjacentPairs()) {
    if (a.protocol === b.protocol) continue;
    if (pairs.some((p) => p.older === a.protocol && p.newer === b.protocol)) continue;
    pairs.push({ older: a.protocol, newer: b.protocol });
  }
  return pairs;
}

/** Every protocol version some release speaks, ascending. */
export function tableProtocols(table: ReleaseTable = embedded): number[] {
  return [...new Set(table.rows.map((r) => r.protocol))].sort((a, b) => a - b);
}
