import type { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import type { SpaceInfo } from "../../backend.js";
import { StorageError } from "../../storage-error.js";
import { parseCid } from "./cid-text.js";
import { malformedAnswer, type CallContext } from "./http-status-error.js";

/** `GET /space`: the port's two figures plus what Codex adds. */
export interface CodexSpaceInfo extends SpaceInfo {
  readonly totalBlocks: number;
  readonly quotaReservedBytes: number;
}

/** `DataItem.manifest` as the API documents it (`protected` is gone on Logos Storage nodes). */
export interface CodexManifest {
  readonly treeCid: string;
  readonly datasetSize: number;
  readonly blockSize: number;
  readonly protected?: boolean;
  readonly filename?: string;
  readonly mimetype?: string;
}

export interface CodexDataItem {
  readonly cid: string;
  readonly manifest: CodexManifest;
}

function parseJson(text: string, ctx: CallContext): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON.parse's error as the cause: its message quotes the body where it stopped (all of a short
    // password a proxy echoed), and the cause goes wherever the error is logged.
    throw malformedAnswer(ctx, `the body is not JSON (${text.length} characters)`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(record: Record<string, unknown>, key: string, ctx: CallContext): number {
  const value = record[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw malformedAnswer(ctx, `"${key}" is not a non-negative integer`);
  }
  return value;
}

/**
 * The codec of every dataset manifest's CID: Codex's `codex-manifest`, kept as `storage-manifest` by
 * Logos Storage (stored data is addressed by it, so it cannot change without breaking every CID).
 */
const MANIFEST_CODEC = 0xcd01;

/**
 * `POST /data` answers the manifest CID as plain text. A CID of another codec (the tree root
 * `zDz…`, a block's, a raw one) names no dataset a receiver could fetch: the node, or something in
 * between, is wrong, and the piece must go elsewhere rather than into a reference (E_INTEGRITY, the
 * next endpoint), which costs no request. A wrong manifest CID is left to the receivers' sha256.
 * The CID comes back in base58btc whatever base it was answered in: a node renders it so (`zDvZ…`),
 * and a FileReference takes a piece's CID in no other form (one in base32, from a gateway or another
 * implementation of the API, failed the share's reference after every piece was stored).
 */
export function parseUploadAnswer(text: string, ctx: CallContext): string {
  const cid = text.trim();
  const parsed = parseCid(cid);
  if (parsed === undefined) throw malformedAnswer(ctx, "the upload answer is not a CID");
  if (parsed.version !== 1 || parsed.code !== MANIFEST_CODEC) {
    throw new StorageError(
      "E_INTEGRITY",
      `Codex node ${ctx.location} answered the upload with CID ${cid}, which is not a dataset manifest's (codec 0x${parsed.code.toString(16)}, expected 0x${MANIFEST_CODEC.toString(16)}): no receiver could fetch the piece under it; not used.`,
      { details: { status: 200, method: ctx.method, path: ctx.path, cid, codec: parsed.code } },
    );
  }
  return parsed.toString(base58btc);
}

/**
 * `GET /data/{cid}/exists`. The spec says `{"has": bool}`; the node's code answers
 * `{"<cid>": bool}`, keyed by its own rendering of the CID (which may differ from ours in base), so
 * keys are compared as parsed CIDs. Only the asked CID's entry counts: an entry about another CID
 * (a proxy's cached answer, a buggy or hostile endpoint) says nothing about this one.
 */
export function parseExistsAnswer(text: string, cid: CID, ctx: CallContext): boolean {
  const json = parseJson(text, ctx);
  if (isRecord(json)) {
    if (typeof json["has"] === "boolean") return json["has"];
    for (const [key, value] of Object.entries(json)) {
      if (typeof value === "boolean" && parseCid(key)?.equals(cid) === true) return value;
    }
  }
  throw malformedAnswer(ctx, `expected {"has": bool} or {"<cid>": bool} keyed by ${ctx.cid ?? "the asked CID"}`);
}

export function parseSpaceAnswer(text: string, ctx: CallContext): CodexSpaceInfo {
  const json = parseJson(text, ctx);
  if (!isRecord(json)) throw malformedAnswer(ctx, "expected a Space object");
  return {
    totalBlocks: count(json, "totalBlocks", ctx),
    quotaMaxBytes: count(json, "quotaMaxBytes", ctx),
    quotaUsedBytes: count(json, "quotaUsedBytes", ctx),
    quotaReservedBytes: count(json, "quotaReservedBytes", ctx),
  };
}

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}

/**
 * `GET /data/{cid}/network/manifest`: a DataItem that names its CID. As for /exists, only one about
 * the asked CID counts (compared parsed: the node may render it in another base); another dataset's
 * manifest (a proxy's cached answer, a buggy or hostile endpoint) would pass for this one's.
 */
export function parseDataItemAnswer(text: string, cid: CID, ctx: CallContext): CodexDataItem {
  const json = parseJson(text, ctx);
  if (!isRecord(json) || typeof json["cid"] !== "string" || !isRecord(json["manifest"])) {
    throw malformedAnswer(ctx, "expected a DataItem {cid, manifest}");
  }
  if (parseCid(json["cid"])?.equals(cid) !== true) {
    throw malformedAnswer(ctx, `the manifest is about ${JSON.stringify(json["cid"].slice(0, 80))}, not the asked CID`);
  }
  const m = json["manifest"];
  if (typeof m["treeCid"] !== "string") throw malformedAnswer(ctx, 'manifest "treeCid" is missing');
  const filename = optionalString(m, "filename");
  const mimetype = optionalString(m, "mimetype");
  return {
    cid: json["cid"],
    manifest: {
      treeCid: m["treeCid"],
      datasetSize: count(m, "datasetSize", ctx),
      blockSize: count(m, "blockSize", ctx),
      ...(typeof m["protected"] === "boolean" ? { protected: m["protected"] } : {}),
      ...(filename === undefined ? {} : { filename }),
      ...(mimetype === undefined ? {} : { mimetype }),
    },
  };
}

/**
 * `Content-Length` as a byte count; undefined when absent, not a plain decimal, or past 2^53 - 1
 * (no number holds it exactly). Leading zeros are allowed (RFC 9110's 1*DIGIT), however many.
 */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  const digits = header.replace(/^0+(?=\d)/, "");
  if (digits.length > 16) return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}
