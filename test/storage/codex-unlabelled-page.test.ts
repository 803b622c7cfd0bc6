/**
 * A node labels every download (the manifest's mimetype, else application/octet-stream), and a 200
 * labelled text/html is refused as a page from something in between (codex-portal-pages). A 200
 * with no Content-Type at all (a portal, or a proxy that drops headers) was handed out as the
 * content: its page reached the piece's hash check and failed as E_INTEGRITY, which blames the
 * endpoint's data and is not retried there. Its first bytes now decide: a body that starts as an
 * HTML document does (after an optional byte-order mark and whitespace, "<!doctype html" or
 * "<html" with whitespace or ">" after it, any case) is E_BACKEND_HTTP with the portal pages'
 * wording; anything else is handed out byte for byte. Ciphertext starts so with odds below 2^-41.
 *
 * Real HTTP on 127.0.0.1: a hand-made endpoint answering downloads without Content-Type.
 */
import { createServer } from "node:http";
import fc from "fast-check";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { pageStart, refusingPages } from "../../src/storage/backends/codex/page-sniff.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { listenOnLoopback } from "../support/loopback-server.js";
import { collect, pattern, storageError } from "./codex-fixtures.js";

const CID = "zDvZRwzm1ePSzKSXt57D5YxHwcSDmsCyYN65wW4HT7fuX9HrzFXy";
const LOGIN = "http://login.hotel-wifi.example/portal?session=8f3a9c77&client_mac=aa:bb:cc:dd:ee:ff";
const PAGE = `<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0;url=${LOGIN}"></head><body><a href="${LOGIN}">Sign in</a></body></html>`;

/** Answers every download 200 with `body`, in pieces of `chunk` bytes, labelled `contentType` when given. */
async function endpoint(body: Buffer, options: { chunk?: number; contentType?: string } = {}): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-length": body.byteLength, ...(options.contentType === undefined ? {} : { "content-type": options.contentType }) });
    const step = options.chunk ?? body.byteLength;
    let at = 0;
    const more = (): void => {
      if (at >= body.byteLength) return void res.end();
      res.write(body.subarray(at, at + step));
      at += step;
      setImmediate(more);
    };
    more();
  });
  return listenOnLoopback(server);
}

async function download(url: string): Promise<Buffer> {
  const backend = createCodexBackend({ url, requestTimeoutMs: 5000, idleTimeoutMs: 5000 });
  onTestFinished(() => backend.close());
  return collect((await backend.get(CID)).body);
}

/** The rule, written as a pattern over the body's start (latin1: one character per byte). */
const PAGE_START = /^(?:\xef\xbb\xbf)?[ \t\n\r\f]{0,1024}(?:<!doctype html|<html[ \t\n\r\f>])/i;

describe("Codex backend: a 200 download with no Content-Type", () => {
  test.each([
    ["a portal's page at once", Buffer.from(PAGE), undefined],
    ["a page after a byte-order mark and blank lines, a byte at a time", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\r\n  <HTML>\n${PAGE}`)]), 1],
  ])("%s: E_BACKEND_HTTP worded as a portal page (sign in), nothing of it quoted, retried", async (_name, body, chunk) => {
    const url = await endpoint(body, chunk === undefined ? {} : { chunk });
    const error = await storageError(download(url), "E_BACKEND_HTTP");
    expect(error.message).toMatch(/HTML page/);
    expect(error.message).toMatch(/sign.in/i);
    expect(classifyFailure(error)).toBe("retry");
    for (const secret of ["8f3a9c77", "aa:bb:cc:dd:ee:ff"]) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.details)).not.toContain(secret);
    }
  });

  test.each([
    ["random bytes", pattern(200_000, 7), undefined],
    ["'<htmlx' (no tag name 'html'), a byte at a time", Buffer.from("<htmlx and more"), 1],
    ["'<ht', all there is", Buffer.from("<ht"), undefined],
    ["blank only", Buffer.from(" \r\n\t "), undefined],
    ["'<!doctype htm' then other bytes", Buffer.from("<!doctype htmx"), 3],
  ])("content that is no page start (%s) is handed out byte for byte", async (_name, body, chunk) => {
    const url = await endpoint(body, chunk === undefined ? {} : { chunk });
    expect((await download(url)).equals(body)).toBe(true);
  });

  test("a page labelled as a node labels content (application/octet-stream) is handed out: the label is the node's, the hash check decides", async () => {
    const url = await endpoint(Buffer.from(PAGE), { contentType: "application/octet-stream" });
    expect((await download(url)).toString()).toBe(PAGE);
  });
});

describe("page-sniff: the first bytes' verdict", () => {
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc
      .tuple(
        fc.constantFrom("", "\ufeff"),
        fc.stringMatching(/^[ \t\n\r\f]{0,4}$/),
        fc.constantFrom("<!doctype html", "<!DOCTYPE HTML", "<html>", "<html ", "<HtMl\n", "<html", "<htm", "<htmlx", "<!doctype htm", "<"),
        fc.uint8Array({ maxLength: 8 }),
      )
      .map(([bom, blank, start, rest]) => Buffer.concat([Buffer.from(bom + blank + start, "utf8"), rest])),
  );

  test("a whole body is a page exactly when it matches the rule's pattern", () => {
    fc.assert(
      fc.property(bodies, (body) => {
        expect(pageStart(body, true)).toBe(PAGE_START.test(Buffer.from(body).toString("latin1")) ? "page" : "content");
      }),
    );
  });

  test("however the body is cut into chunks, refusingPages hands out every byte unchanged or refuses a page", async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }), async (body, cuts) => {
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < body.byteLength; i++) {
          const size = cuts[i % cuts.length] as number;
          chunks.push(body.subarray(at, at + size));
          at += size;
        }
        const ctx = { operation: "get", method: "GET", path: "/data", location: "http://127.0.0.1:1" } as const;
        const out = await collect(refusingPages((async function* () { yield* chunks; })(), ctx)).catch((e: unknown) => e);
        if (PAGE_START.test(Buffer.from(body).toString("latin1"))) {
          expect(out).toBeInstanceOf(StorageError);
        } else {
          expect(Buffer.isBuffer(out) && out.equals(Buffer.from(body))).toBe(true);
        }
      }),
    );
  });
});
