import { malformedAnswer, SIGN_IN_HINT, type CallContext } from "./http-status-error.js";

/**
 * A node labels every download (the manifest's mimetype, else application/octet-stream), so a 200
 * with no Content-Type at all comes from something in between: a captive portal or a proxy that
 * drops headers. When its body starts as an HTML document does, it is a page, not our content.
 *
 * What we store is ciphertext, uniformly random: "<html" followed by whitespace or ">" (any case)
 * starts it with odds of 2^-8 · (2/256)^4 · 5/256 ≈ 2^-41.7, "<!doctype html" far less, and the
 * leading whitespace and byte-order mark allowed before them add under 2 % to that. Plaintext of
 * any kind still comes with the node's Content-Type, which this never looks behind.
 */
const STARTS = ["<!doctype html", "<html"] as const;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0c]);
const BOM = [0xef, 0xbb, 0xbf];
/** Leading whitespace looked through before deciding it is content. */
const MAX_LEADING = 1024;

type Verdict = "page" | "content" | "undecided";

function lower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
}

/** Whether `bytes` (the body's start so far) begin an HTML document; `ended`: there is no more. */
export function pageStart(bytes: Uint8Array, ended: boolean): Verdict {
  let at = 0;
  if (BOM.every((b, i) => i >= bytes.byteLength || bytes[i] === b)) {
    if (bytes.byteLength < BOM.length) return ended ? "content" : "undecided";
    at = BOM.length;
  }
  for (let blank = 0; at < bytes.byteLength && WHITESPACE.has(bytes[at] as number); at++) {
    if (++blank > MAX_LEADING) return "content";
  }
  let open = false;
  for (const start of STARTS) {
    // "<html" must be a whole tag name: followed by whitespace or ">".
    const needs = start === "<html" ? start.length + 1 : start.length;
    let matched = true;
    for (let i = 0; i < needs && matched; i++) {
      const byte = bytes[at + i];
      if (byte === undefined) break;
      matched = i < start.length ? lower(byte) === start.charCodeAt(i) : WHITESPACE.has(byte) || byte === 0x3e;
    }
    if (!matched) continue;
    if (bytes.byteLength - at >= needs) return "page";
    open = true;
  }
  return open && !ended ? "undecided" : "content";
}

/**
 * `body`, unless it starts as an HTML page: then E_BACKEND_HTTP, worded as for a page labelled
 * text/html. Holds back only the few first bytes it needs to decide; after that, chunks pass as they come.
 */
export async function* refusingPages(body: AsyncIterable<Uint8Array>, ctx: CallContext): AsyncGenerator<Uint8Array, void, undefined> {
  let held: Uint8Array[] | undefined = [];
  let heldBytes = 0;
  const refuse = (): Error => malformedAnswer(ctx, `it sent an HTML page (with no Content-Type) instead of the content: ${SIGN_IN_HINT}`);
  for await (const chunk of body) {
    if (held === undefined) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.byteLength;
    const verdict = pageStart(held.length === 1 ? chunk : Buffer.concat(held, heldBytes), false);
    if (verdict === "undecided") continue;
    if (verdict === "page") throw refuse();
    const start = held;
    held = undefined;
    yield* start;
  }
  if (held === undefined || heldBytes === 0) return;
  if (pageStart(Buffer.concat(held, heldBytes), true) === "page") throw refuse();
  yield* held;
}
