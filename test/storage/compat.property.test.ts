/**
 * The N / N+1 promise through the whole storage client: for every adjacent pair of releases that
 * share files by reference (read from the release table, not listed here), in both directions, a
 * file of any size, name and type shared by one release's client comes back byte for byte, with its
 * name, type and size, through the other's, whether it is fetched to a file or streamed, and
 * whether the reader gets the reference as the writer's client returned it or in a chat envelope
 * (at the version negotiated for the reader, which drops the newer release's fields, or at the
 * writer's own, which the older reader opens with them unknown). Sizes include the edges of every
 * release's chunks and pieces (one byte either side of a whole chunk or piece), which random sizes
 * almost never hit. Each release's client is real (its own state database at its level) over one
 * local store.
 */
import { fc, test } from "@fast-check/vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { chooseWriteVersion, peerAudience } from "../../src/negotiate/index.js";
import { createLocalBackend, StorageClient } from "../../src/storage/index.js";
import { profileFor, releaseTable } from "../../src/versions/index.js";
import { decodeFileReference, encodePayloadEnvelope, openEnvelope, sanitizeFileName, type FileReference } from "../../src/wire/index.js";
import { FAST_RETRY, KiB } from "./support/client-fixture.js";

/** Adjacent rows where both releases write and read file references, in both directions. */
const PAIRS: [number, number][] = releaseTable.rows.flatMap((row, i) => {
  const previous = releaseTable.rows[i - 1];
  if (previous === undefined) return [];
  const both = [previous, row].every((r) => r.writes.includes("file-reference") && r.reads.includes("file-reference"));
  return both ? ([[previous.protocol, row.protocol], [row.protocol, previous.protocol]] as [number, number][]) : [];
});

const SIZES = [
  { chunkSize: 4 * KiB, pieceSize: 16 * KiB },
  { chunkSize: 1 * KiB, pieceSize: 24 * KiB },
];
const MAX_SIZE = 200 * KiB;
/**
 * A byte either side of whole chunks and whole pieces of every release's sizes (the piece sizes
 * above are whole chunks): where a plan's last chunk or last piece is full, or holds one byte.
 */
const EDGE_SIZES = [
  ...new Set(
    SIZES.flatMap(({ chunkSize, pieceSize }) =>
      [chunkSize, 2 * chunkSize, pieceSize, 2 * pieceSize, Math.floor(MAX_SIZE / pieceSize) * pieceSize].flatMap((n) => [n - 1, n, n + 1]),
    ),
  ),
].filter((n) => n >= 1 && n <= MAX_SIZE);
/** How the reader gets the reference: as returned to the writer, or in an envelope at the negotiated or the writer's own version. */
const ROUTES = ["reference", "negotiated envelope", "writer's own envelope"] as const;
const MIMES = ["application/octet-stream", "image/jpeg", "image/png", "video/mp4", "application/pdf", "text/plain"];
// Shared by every run of the property (a per-test temp dir would be gone after the first).
const dir = mkdtempSync(join(tmpdir(), "scc-compat-prop-"));
const store = createLocalBackend({ dir: join(dir, "store") });
const clients = new Map<number, StorageClient>();

beforeAll(async () => {
  const protocols = [...new Set(PAIRS.flat())];
  for (const protocol of protocols) {
    clients.set(
      protocol,
      await StorageClient.open({
        protocol,
        backend: store,
        statePath: join(dir, `v${protocol}.sqlite`),
        dataDir: join(dir, `v${protocol}`),
        renewEveryMs: 0,
        retry: FAST_RETRY,
        // Small chunks and pieces: a few hundred KiB make many pieces and a short last chunk. Each
        // release its own sizes, as a newer release may choose others: a reader must follow the reference.
        ...SIZES[protocols.indexOf(protocol) % SIZES.length],
      }),
    );
  }
}, 30_000);

afterAll(async () => {
  for (const client of clients.values()) await client.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (protocol: number): StorageClient => clients.get(protocol) as StorageClient;

describe("N and N+1 through the storage client", () => {
  test("the release table has adjacent pairs that share files", () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(2);
  });

  test.prop(
    [
      fc.constantFrom(...PAIRS),
      fc.oneof(fc.integer({ min: 1, max: MAX_SIZE }), fc.constantFrom(...EDGE_SIZES)),
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.constantFrom(...MIMES),
      fc.boolean(),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.constantFrom(...ROUTES),
    ],
    { numRuns: 60 },
  )("a file shared by one release comes back whole through the adjacent one, to a file or streamed, however the reference reaches it", async ([writer, reader], size, name, mime, stream, fill, route) => {
    // Content from the generated seed, so a failure replays exactly from fast-check's seed.
    const bytes = Buffer.alloc(size);
    for (let i = 0, x = fill | 1; i < size; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = x >>> 16;
    }
    const { reference, protocol, view: sent } = await client(writer).share({ bytes, fileName: name, mime }).done;
    expect(protocol).toBe(writer);
    expect(sent.fileName).toBe(sanitizeFileName(name));

    // What the reader gets, and what it sees of it: the same file, whatever the writer added.
    const { received, seen } = reach(route, sent, reference, writer, reader);
    expect({ name: seen.fileName, mime: seen.mime, size: seen.plaintextSize }).toEqual({ name: sent.fileName, mime, size });

    let got: Buffer;
    if (stream) {
      const parts: Buffer[] = [];
      for await (const part of client(reader).fetchStream(received)) parts.push(part);
      got = Buffer.concat(parts);
    } else {
      const out = join(dir, "out", `${writer}-${reader}-${size}-${fill}-${ROUTES.indexOf(route)}.bin`);
      const result = await client(reader).fetch(received, { out }).done;
      expect(result.size).toBe(size);
      got = readFileSync(out);
    }
    expect(got.equals(bytes)).toBe(true);
  });
});

/**
 * The reference as the reader's client gets it, and the reader's view of it. In an envelope, as
 * the app sends it: the writer's choice for the reader's range (or for a peer of its own release,
 * a contact whose idea of the reader is stale), opened with the reader's window.
 */
function reach(
  route: (typeof ROUTES)[number],
  sent: FileReference,
  reference: Uint8Array,
  writer: number,
  reader: number,
): { received: Uint8Array | { bytes: Uint8Array; writtenWith: number }; seen: FileReference } {
  if (route === "reference") return { received: reference, seen: decodeFileReference(reference, { written: writer, reader }) };
  const self = profileFor(writer).window;
  const audience = peerAudience(route === "negotiated envelope" ? profileFor(reader).window : self);
  const choice = chooseWriteVersion(self, audience, { payload: "file-reference" });
  const envelope = encodePayloadEnvelope(
    { kind: "file-reference", message: sent },
    { version: choice.version, minReader: choice.minReader, fallbackText: choice.fallbackText, sender: { minVersion: self.min, maxVersion: self.max, features: [] } },
  );
  const opened = openEnvelope(envelope, profileFor(reader).window);
  if (opened.payload.kind !== "file-reference") throw new Error(`opened a ${opened.payload.kind}`);
  return { received: { bytes: opened.envelope.payload, writtenWith: opened.envelope.version }, seen: opened.payload.message };
}
