/**
 * `npx tsx scripts/make-fixtures.ts`: golden vectors in fixtures/vN/, one `.bin` and one `.json`
 * per message of every protocol version (see fixtures/README.md).
 *
 * Every value is derived from a fixed label (sha256 of the label), so a run always produces the same
 * bytes. Fixtures freeze what each version writes: the script writes files that are missing and
 * refuses to change one that exists (exit 1, naming it), unless `--rewrite vN` names that version,
 * which is only right for a version that was never released. `--check` writes nothing and exits 1 on
 * any difference.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import {
  SCHEMA_VERSIONS,
  encodeEnvelope,
  encodePayload,
  introducedIn,
  minReaderFor,
  PAYLOAD_KINDS,
  type Capabilities,
  type CommunityDescriptionPointer,
  type Envelope,
  type FileReference,
  type InlineAttachment,
  type PayloadKind,
  type PayloadViews,
  type Segment,
  type SignedCommunityDescription,
} from "../src/wire/index.js";
import { profileFor } from "../src/versions/index.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Codex's manifest multicodec and sha2-256's multihash code: what a real Codex CID carries. */
const CODEX_MANIFEST_CODEC = 0xcd01;
const SHA2_256 = 0x12;

/** `length` bytes derived from `label` (sha256 in counter mode): fixed forever for a given label. */
export function derivedBytes(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let block = 0; block * 32 < length; block++) {
    const digest = createHash("sha256").update(`status-codex-compat fixture\0${label}\0${block}`).digest();
    out.set(digest.subarray(0, Math.min(32, length - block * 32)), block * 32);
  }
  return out;
}

export function derivedCid(label: string): string {
  return CID.createV1(CODEX_MANIFEST_CODEC, createDigest(SHA2_256, derivedBytes(label, 32))).toString(base58btc);
}

function communityId(label: string): Uint8Array {
  const id = derivedBytes(label, 33);
  id[0] = 0x02 | ((id[0] as number) & 1);
  return id;
}

// Values chosen to exercise the encoding: uint64s above 2^32, multi-byte UTF-8 names, MIME parameters.
const CLOCK = 1_717_171_717_171;

function communityDescription(): SignedCommunityDescription {
  return {
    communityId: communityId("community.id"),
    clock: CLOCK,
    description: derivedBytes("community.description", 300),
    signature: derivedBytes("community.signature", 65),
  };
}

function segment(): Segment {
  return {
    entireMessageHash: derivedBytes("segment.hash", 32),
    index: 2,
    segmentsCount: 5,
    payload: derivedBytes("segment.payload", 200),
  };
}

function inlineAttachment(version: number): InlineAttachment {
  const view: InlineAttachment = {
    mime: "text/plain; charset=utf-8",
    fileName: "résumé 📄.txt",
    data: derivedBytes("inline.data", 120),
  };
  if (version === 1) view.thumbnail = derivedBytes("inline.thumbnail", 40);
  return view;
}

function fileReference(version: number): FileReference {
  const sizes = [4_194_320, 4_194_320, 1_048_592];
  let offset = 0;
  const view: FileReference = {
    pieces: sizes.map((size, i) => {
      const piece = { cid: derivedCid(`file.piece.${i}`), size, sha256: derivedBytes(`file.piece.${i}.sha256`, 32) };
      const withPosition = version >= 3 ? { ...piece, index: i, offset } : piece;
      offset += size;
      return withPosition;
    }),
    encryption: {
      scheme: "aes-256-gcm-stream",
      key: derivedBytes("file.key", 32),
      noncePrefix: derivedBytes("file.nonce-prefix", 7),
      chunkSize: 65_536,
    },
    plaintextSize: 9_437_000,
    mime: "application/pdf",
    fileName: "quarterly report 2026.pdf",
    plaintextSha256: derivedBytes("file.plaintext-sha256", 32),
  };
  if (version >= 3) {
    view.uploadedAt = 1_767_225_600;
    view.expiresAt = 1_769_817_600;
  }
  return view;
}

function cdPointer(version: number): CommunityDescriptionPointer {
  const view: CommunityDescriptionPointer = {
    communityId: communityId("community.id"),
    clock: CLOCK,
    cid: derivedCid("pointer.cid"),
    contentHash: derivedBytes("pointer.content-hash", 32),
    size: 2_345_678,
    expiresAt: 1_769_817_600,
    signature: derivedBytes("pointer.signature", 65),
  };
  if (version >= 3) {
    view.supersedesClock = CLOCK - 60_000;
    view.supersedesCid = derivedCid("pointer.superseded-cid");
  }
  return view;
}

function payloadView<K extends PayloadKind>(kind: K, version: number): PayloadViews[K] {
  const views: { [P in PayloadKind]: () => PayloadViews[P] } = {
    "community-description": communityDescription,
    segment,
    "inline-attachment": () => inlineAttachment(version),
    "file-reference": () => fileReference(version),
    "cd-pointer": () => cdPointer(version),
  };
  return views[kind]();
}

const FALLBACK = "Update Status to open this message.";

/** What the release speaking `version` advertises: its window and the features it reads. */
function sender(version: number): Capabilities {
  const profile = profileFor(version);
  return { minVersion: profile.window.min, maxVersion: profile.window.max, features: [...profile.release.reads] };
}

/** JSON for a view: bytes become {"$hex": "..."} so the description is exact and readable. */
export function toFixtureJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $hex: Buffer.from(value).toString("hex") };
  if (Array.isArray(value)) return value.map(toFixtureJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toFixtureJson(v)]));
  }
  return value;
}

/** The inverse of toFixtureJson. */
export function fromFixtureJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromFixtureJson);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === "$hex") return new Uint8Array(Buffer.from(String(entries[0][1]), "hex"));
    return Object.fromEntries(entries.map(([k, v]) => [k, fromFixtureJson(v)]));
  }
  return value;
}

/** What a fixture's .json says about its .bin. */
export interface FixtureDescription {
  readonly name: string;
  readonly version: number;
  /** Fully-qualified protobuf message. */
  readonly message: string;
  /** The payload kind, or "envelope". */
  readonly kind: PayloadKind | "envelope";
  readonly bytes: number;
  readonly sha256: string;
  /** The decoded view, bytes as {"$hex"}. For an envelope, `payloadFixture` names the payload's own fixture. */
  readonly view: unknown;
  readonly payloadFixture?: string;
}

const MESSAGE_NAMES: Readonly<Record<PayloadKind, string>> = {
  "community-description": "SignedCommunityDescription",
  segment: "Segment",
  "inline-attachment": "InlineAttachment",
  "file-reference": "FileReference",
  "cd-pointer": "CommunityDescriptionPointer",
};

function describe(name: string, version: number, kind: PayloadKind | "envelope", bytes: Uint8Array, view: unknown, payloadFixture?: string): FixtureDescription {
  return {
    name,
    version,
    message: `status.storage.${kind === "envelope" ? "Envelope" : MESSAGE_NAMES[kind]}`,
    kind,
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    view: toFixtureJson(view),
    ...(payloadFixture === undefined ? {} : { payloadFixture }),
  };
}

/** Every fixture file (path relative to the repository, content), in a fixed order. */
export function buildFixtures(versions: readonly number[] = SCHEMA_VERSIONS): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const add = (dir: string, d: FixtureDescription, bytes: Uint8Array): void => {
    files.set(join(dir, `${d.name}.bin`), Buffer.from(bytes));
    files.set(join(dir, `${d.name}.json`), Buffer.from(`${JSON.stringify(d, null, 2)}\n`));
  };
  for (const version of versions) {
    const dir = join("fixtures", `v${version}`);
    for (const kind of PAYLOAD_KINDS) {
      if (introducedIn(kind) > version) continue;
      const view = payloadView(kind, version);
      const payload = encodePayload(kind, view, version);
      add(dir, describe(kind, version, kind, payload, view), payload);
      const envelope: Envelope = {
        version,
        minReader: minReaderFor(kind, version),
        type: kind,
        payload,
        sender: sender(version),
        fallbackText: FALLBACK,
      };
      const bytes = encodeEnvelope(envelope);
      add(dir, describe(`envelope-${kind}`, version, "envelope", bytes, envelope, kind), bytes);
    }
  }
  return files;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const rewriteAt = args.indexOf("--rewrite");
  const rewrite = rewriteAt >= 0 ? args[rewriteAt + 1] : undefined;
  let written = 0;
  let same = 0;
  const refused: string[] = [];
  for (const [path, content] of buildFixtures()) {
    const full = join(REPO_ROOT, path);
    const existing = await readIfExists(full);
    if (existing !== undefined && existing.equals(content)) {
      same++;
      continue;
    }
    const mayRewrite = rewrite !== undefined && path.startsWith(join("fixtures", rewrite) + "/");
    if (check || (existing !== undefined && !mayRewrite)) {
      refused.push(`${path}: ${existing === undefined ? "missing" : "differs from what this code writes"}`);
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
    written++;
  }
  process.stdout.write(`fixtures: ${written} written, ${same} unchanged\n`);
  if (refused.length > 0) {
    process.stderr.write(
      `fixtures: ${refused.length} ${check ? "differ" : "not changed (fixtures are frozen; --rewrite vN only for an unreleased version)"}:\n` +
        refused.map((r) => `  ${r}\n`).join(""),
    );
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
