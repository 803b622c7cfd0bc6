import type { IncomingMessage } from "node:http";
import type { BackendCallOptions, GetResult, PutOptions, StorageBackend } from "../../backend.js";
import { StorageError } from "../../storage-error.js";
import { EMPTY_CONTENT_CID, inlineContent, requireCid } from "./cid-text.js";
import {
  contentLength,
  parseDataItemAnswer,
  parseExistsAnswer,
  parseSpaceAnswer,
  parseUploadAnswer,
  type CodexDataItem,
  type CodexSpaceInfo,
} from "./codex-answers.js";
import type { HttpExchange } from "./http-exchange.js";
import { encodedAnswer, httpStatusError, malformedAnswer, SIGN_IN_HINT, type CallContext } from "./http-status-error.js";
import { withoutEchoedCredentials } from "./echoed-credentials.js";
import { CodexHttpTransport } from "./http-transport.js";
import { refusingPages } from "./page-sniff.js";
import { resolveCodexOptions, type CodexBackendOptions, type ResolvedCodexOptions } from "./options.js";
import { handBackSource, isPutBody } from "../../put-body.js";
import { notABody, notBytes, usedUpBody } from "./put-body-check.js";
import { abortError, failureError } from "./transport-error.js";

/** The Codex REST API as a StorageBackend, plus the manifest and the node's full space figures. */
export interface CodexBackend extends StorageBackend {
  readonly kind: "codex";
  /** The API base path in use (URL path + prefix), e.g. `/api/codex/v1`. */
  readonly basePath: string;
  space(options?: BackendCallOptions): Promise<CodexSpaceInfo>;
  /** `GET /data/{cid}/network/manifest`: the dataset's manifest, fetched from peers when needed. */
  manifest(cid: string, options?: BackendCallOptions): Promise<CodexDataItem>;
}

/** Error bodies are for messages only; a node's are one line. */
const ERROR_BODY_LIMIT = 4096;
/** A CID, a DataItem, a Space or an exists map: small answers. */
const CID_ANSWER_LIMIT = 1024;
const JSON_ANSWER_LIMIT = 64 * 1024;

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

/**
 * A node labels a download with the dataset's mimetype, and put always uploads
 * application/octet-stream; an HTML 200 is a page from something in between (a captive portal on
 * mobile Wi-Fi), which must not be handed out as the content (it would fail its hash check as
 * E_INTEGRITY, never retried there) but retried once the way is clear.
 */
function isHtml(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*text\/html\s*(;|$)/i.test(contentType);
}

/** A 2xx labelled HTML is no answer of the node's (it sends text/plain, JSON and the content as uploaded): retried, not parsed or handed out. */
function refuseHtml(response: IncomingMessage, ctx: CallContext, expected: string): void {
  if (isHtml(response.headers["content-type"])) {
    throw malformedAnswer(ctx, `it sent an HTML page (text/html) instead of ${expected}: ${SIGN_IN_HINT}`);
  }
}

/** The body as the node sent it: no Content-Encoding, or `identity` (what every request asks for). */
function refuseEncoded(response: IncomingMessage, ctx: CallContext): void {
  const encoding = response.headers["content-encoding"];
  if (encoding !== undefined && !/^\s*(identity\s*)?$/i.test(encoding)) throw encodedAnswer(ctx, encoding);
}

/** `first`, then the rest of the iterator it was read from; a plain iterator, no generator layer per chunk. */
function prepend(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  let head: Uint8Array | undefined = first;
  const iterator: AsyncIterator<Uint8Array> = {
    next: () => {
      if (head === undefined) return rest.next();
      const value = head;
      head = undefined;
      return Promise.resolve({ done: false, value });
    },
    return: async () => (await rest.return?.()) ?? { done: true, value: undefined },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/** A body that may be iterated once; a second iteration is a programming error, not empty content. */
function consumeOnce(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let taken = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      if (taken) throw new TypeError("GetResult.body can be consumed only once");
      taken = true;
      return source[Symbol.asyncIterator]();
    },
  };
}

/**
 * A generator given up before its first next() never runs its finally, so a reader that refuses a
 * body at once (its announced size is wrong) would leave the exchange and its socket held until
 * close(). Its return() releases the exchange first; only return is replaced, nothing per chunk.
 */
function releasedOnReturn(exchange: HttpExchange, body: AsyncGenerator<Uint8Array, void, undefined>): AsyncGenerator<Uint8Array, void, undefined> {
  const giveUp = body.return.bind(body);
  body.return = (value) => {
    exchange.release();
    return giveUp(value);
  };
  return body;
}

async function* inline(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  if (bytes.byteLength > 0) yield bytes;
}

class CodexRestBackend implements CodexBackend {
  readonly kind = "codex" as const;
  readonly location: string;
  readonly basePath: string;
  private readonly transport: CodexHttpTransport;

  constructor(private readonly options: ResolvedCodexOptions) {
    this.location = options.location;
    this.basePath = options.basePath;
    this.transport = new CodexHttpTransport(options);
  }

  async put(body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<string> {
    // null is a JavaScript caller's 'no options', as undefined is.
    options ??= {};
    const declared = options.size ?? (body instanceof Uint8Array ? body.byteLength : undefined);
    const ctx: CallContext = { ...this.context("put", "POST", "/data"), ...(declared === undefined ? {} : { bytes: declared }) };
    if (!isPutBody(body)) throw notABody(body, ctx);
    // Before anything can give the body up: a later put of the same stream must not read it as empty.
    const usedUp = body instanceof Uint8Array ? undefined : usedUpBody(body, ctx);
    if (usedUp !== undefined) throw usedUp;
    try {
      this.guard(ctx, options.signal);
    } catch (error) {
      if (!(body instanceof Uint8Array)) handBackSource(body);
      throw error;
    }
    let source: Uint8Array | AsyncIterable<Uint8Array>;
    if (body instanceof Uint8Array) {
      if (body.byteLength === 0 && (declared ?? 0) === 0) return EMPTY_CONTENT_CID;
      source = body;
    } else {
      // Look at the first bytes first: a node refuses empty datasets, and empty content needs no node.
      const iterator = body[Symbol.asyncIterator]();
      const first = await this.firstBytes(iterator, ctx, options.signal);
      if (first === undefined) {
        if ((declared ?? 0) !== 0) {
          throw new StorageError("E_TRUNCATED", `put to Codex node ${this.location}: the body was empty but size said ${declared}; nothing was stored.`, {
            details: { declared, actual: 0 },
          });
        }
        return EMPTY_CONTENT_CID;
      }
      source = prepend(first, iterator);
    }
    return this.call(ctx, async () => {
      const { exchange, response } = await this.transport.open({
        context: ctx,
        headers: { "content-type": "application/octet-stream" },
        body: source,
        ...(declared === undefined ? {} : { declaredSize: declared }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.progress === undefined ? {} : { onUploadProgress: options.progress }),
      });
      try {
        await this.expectSuccess(exchange, response, ctx);
        refuseEncoded(response, ctx);
        refuseHtml(response, ctx, "the CID");
        await exchange.uploadFinished();
        return parseUploadAnswer(await exchange.readText(CID_ANSWER_LIMIT, "fail"), ctx);
      } finally {
        exchange.release();
      }
    });
  }

  async get(cid: string, options: BackendCallOptions = {}): Promise<GetResult> {
    options ??= {};
    const parsed = requireCid(cid, "get");
    const ctx = this.context("get", "GET", `/data/${cid}/network/stream`, cid);
    this.guard(ctx, options.signal);
    const carried = inlineContent(parsed);
    if (carried !== undefined) return { size: carried.byteLength, body: consumeOnce(inline(carried)) };
    return this.call(ctx, async () => {
      const { exchange, response } = await this.transport.open(this.spec(ctx, options.signal));
      let size: number | undefined;
      try {
        await this.expectSuccess(exchange, response, ctx);
        // A node streams the whole dataset with 200; a 206 (a cache's part, though no Range was asked), 204 or 203 (a transforming proxy's) is not it.
        if (response.statusCode !== 200) throw malformedAnswer(ctx, `it answered the download with HTTP ${response.statusCode ?? 0}, not 200 with the whole content`);
        refuseEncoded(response, ctx);
        refuseHtml(response, ctx, "the content");
        // Codex always sends Content-Length = datasetSize; a proxy may drop it, the manifest still knows.
        const announced = response.headers["content-length"];
        const length = contentLength(announced);
        if (announced !== undefined && length === undefined) {
          // Node's parser lets through any length below 2^64: one past 2^53 - 1 is no size a file of
          // ours has, nor one a number holds exactly. Taken as absent, the manifest's size stood in
          // for it while the parser still read the body to the announced end. Refused before the body
          // is read; release() then destroys the connection rather than pool it mid-answer.
          throw malformedAnswer(ctx, `its Content-Length (${announced.slice(0, 40)}) is past the largest size a download can have (2^53 - 1 bytes)`);
        }
        size = length ?? (await this.manifest(cid, options)).manifest.datasetSize;
      } catch (error) {
        exchange.release();
        throw error;
      }
      const download = exchange.download(size);
      // Unlabelled, it is no node's answer (a node labels every download): its first bytes are looked at for a page.
      const unlabelled = (response.headers["content-type"] ?? "").trim() === "";
      return { size, body: consumeOnce(releasedOnReturn(exchange, unlabelled ? refusingPages(download, ctx) : download)) };
    });
  }

  async has(cid: string, options: BackendCallOptions = {}): Promise<boolean> {
    options ??= {};
    const parsed = requireCid(cid, "check");
    const ctx = this.context("has", "GET", `/data/${cid}/exists`, cid);
    this.guard(ctx, options.signal);
    if (inlineContent(parsed) !== undefined) return true;
    return this.call(ctx, () => this.small(ctx, options.signal, (text) => parseExistsAnswer(text, parsed, ctx)));
  }

  async delete(cid: string, options: BackendCallOptions = {}): Promise<void> {
    options ??= {};
    const parsed = requireCid(cid, "delete");
    const ctx = this.context("delete", "DELETE", `/data/${cid}`, cid);
    this.guard(ctx, options.signal);
    if (inlineContent(parsed) !== undefined) return;
    await this.call(ctx, async () => {
      const { exchange, response } = await this.transport.open(this.spec(ctx, options.signal));
      try {
        // Codex answers 204 even for absent content; a 404 from anything in between means the same.
        if (response.statusCode === 404) {
          await exchange.readErrorText(ERROR_BODY_LIMIT);
          return;
        }
        await this.expectSuccess(exchange, response, ctx);
        // A captive portal's 200 login page: the node never got the delete, and its copy stays.
        refuseHtml(response, ctx, "the node's answer");
        await exchange.readText(ERROR_BODY_LIMIT, "cut");
      } finally {
        exchange.release();
      }
    });
  }

  async space(options: BackendCallOptions = {}): Promise<CodexSpaceInfo> {
    options ??= {};
    const ctx = this.context("space", "GET", "/space");
    this.guard(ctx, options.signal);
    return this.call(ctx, () => this.small(ctx, options.signal, (text) => parseSpaceAnswer(text, ctx)));
  }

  async manifest(cid: string, options: BackendCallOptions = {}): Promise<CodexDataItem> {
    options ??= {};
    const parsed = requireCid(cid, "fetch the manifest of");
    const ctx = this.context("manifest", "GET", `/data/${cid}/network/manifest`, cid);
    this.guard(ctx, options.signal);
    return this.call(ctx, () => this.small(ctx, options.signal, (text) => parseDataItemAnswer(text, parsed, ctx)));
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  private context(operation: CallContext["operation"], method: string, suffix: string, cid?: string): CallContext {
    return {
      operation,
      method,
      path: `${this.basePath}${suffix}`,
      location: this.location,
      ...(cid === undefined ? {} : { cid }),
      ...(this.options.authorization === undefined ? {} : { withCredentials: true }),
    };
  }

  private spec(ctx: CallContext, signal: AbortSignal | undefined): { context: CallContext; signal?: AbortSignal } {
    return signal === undefined ? { context: ctx } : { context: ctx, signal };
  }

  /** Fails fast when the caller already gave up or the backend is closed (even for calls that need no node). */
  private guard(ctx: CallContext, signal: AbortSignal | undefined): void {
    if (signal?.aborted === true) throw abortError(signal.reason, ctx);
    if (this.transport.isClosed) {
      throw new StorageError("E_CLIENT_CLOSED", `Codex backend for ${this.location} is closed; create a new one.`, {
        details: { method: ctx.method, path: ctx.path },
      });
    }
  }

  /** A call whose answer is a short text or JSON body. */
  private async small<T>(ctx: CallContext, signal: AbortSignal | undefined, parse: (text: string) => T): Promise<T> {
    const { exchange, response } = await this.transport.open(this.spec(ctx, signal));
    try {
      await this.expectSuccess(exchange, response, ctx);
      refuseEncoded(response, ctx);
      refuseHtml(response, ctx, "the answer");
      return parse(await exchange.readText(JSON_ANSWER_LIMIT, "fail"));
    } finally {
      exchange.release();
    }
  }

  private async expectSuccess(exchange: HttpExchange, response: IncomingMessage, ctx: CallContext): Promise<void> {
    const status = response.statusCode;
    if (isSuccess(status)) return;
    // Before anything reads it: the answer may quote the credentials the request carried.
    const text = withoutEchoedCredentials(await exchange.readErrorText(ERROR_BODY_LIMIT), this.options.authorization);
    throw httpStatusError(status ?? 0, text, ctx, response.headers["retry-after"], response.headers.date, response.headers.location);
  }

  /** Reads the first non-empty chunk, giving up when the caller aborts or the backend is closed meanwhile. */
  private async firstBytes(iterator: AsyncIterator<Uint8Array>, ctx: CallContext, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    for (;;) {
      const step = await this.raceAbort(iterator.next(), ctx, signal, iterator);
      if (step.done === true) return undefined;
      const chunk: unknown = step.value;
      if (!(chunk instanceof Uint8Array)) {
        void (async () => iterator.return?.())().catch(() => undefined);
        throw notBytes(chunk, ctx);
      }
      if (chunk.byteLength > 0) return chunk;
    }
  }

  private raceAbort<T>(pending: Promise<T>, ctx: CallContext, signal: AbortSignal | undefined, iterator: AsyncIterator<unknown>): Promise<T> {
    const closed = this.transport.closedSignal;
    return new Promise<T>((resolve, reject) => {
      const stop = (error: unknown): void => {
        cleanup();
        // Whatever the caller's return() does (a plain answer, a throw) must not keep this put from settling.
        void (async () => iterator.return?.())().catch(() => undefined);
        reject(error);
      };
      const onAbort = (): void => stop(abortError(signal?.reason, ctx));
      const onClose = (): void => stop(failureError({ kind: "closed" }, ctx));
      const cleanup = (): void => {
        signal?.removeEventListener("abort", onAbort);
        closed.removeEventListener("abort", onClose);
      };
      if (signal?.aborted === true) return onAbort();
      if (closed.aborted) return onClose();
      signal?.addEventListener("abort", onAbort, { once: true });
      closed.addEventListener("abort", onClose, { once: true });
      pending.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
    });
  }

  /** Logs each call at debug level (CIDs and statuses only, never content). */
  private async call<T>(ctx: CallContext, run: () => Promise<T>): Promise<T> {
    const log = this.options.logger;
    if (!log.isLevelEnabled("debug")) return run();
    const started = performance.now();
    try {
      const result = await run();
      log.debug({ op: ctx.operation, path: ctx.path, ms: Math.round(performance.now() - started) }, "codex call ok");
      return result;
    } catch (error) {
      const code = error instanceof StorageError ? error.code : "E_SOURCE";
      // A call close() cut settles after close() returned: a closed backend writes nothing more.
      if (!this.transport.closedSignal.aborted) log.debug({ op: ctx.operation, path: ctx.path, code, ms: Math.round(performance.now() - started) }, "codex call failed");
      throw error;
    }
  }
}

/** A StorageBackend on a Codex / Logos Storage node's REST API. */
export function createCodexBackend(options: CodexBackendOptions): CodexBackend {
  return new CodexRestBackend(resolveCodexOptions(options));
}
