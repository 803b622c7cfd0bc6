import type { Agent, ClientRequest, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { StorageError } from "../../storage-error.js";
import { Deadline } from "./deadline.js";
import { holdWriteErrors, letGo, type WriteErrorHolder } from "./held-write-errors.js";
import { malformedAnswer, type CallContext } from "./http-status-error.js";
import type { ResolvedCodexOptions } from "./options.js";
import { notBytes } from "./put-body-check.js";
import { failureError, socketError, type Failure } from "./transport-error.js";
import { UploadAhead } from "./upload-ahead.js";

export interface ExchangeSpec {
  readonly context: CallContext;
  readonly headers?: OutgoingHttpHeaders;
  /** Streamed with backpressure (one buffer goes out in slices); absent for calls without a body. */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** Sent as Content-Length and checked against what `body` really yields. */
  readonly declaredSize?: number;
  readonly signal?: AbortSignal;
  /**
   * Called each time the socket took a written slice of `body` (handed to the kernel), with the
   * bytes taken so far and `declaredSize`.
   */
  readonly onUploadProgress?: (sent: number, total: number | undefined) => void;
}

/** What an exchange needs from the transport that made it. */
export interface ExchangeHost {
  readonly options: ResolvedCodexOptions;
  readonly agent: Agent;
  forget(exchange: HttpExchange): void;
}

/**
 * A reset on a kept-alive socket before anything was answered: the node closed an idle connection
 * just as it was reused. Safe to repeat once for requests whose body can be sent again (none, a buffer).
 */
export class StaleSocketError extends Error {
  constructor(readonly mapped: StorageError) {
    super(mapped.message);
  }
}

const RESET_CODES = new Set(["ECONNRESET", "EPIPE"]);
/** A body given as one buffer goes out in slices of this size, so the stall deadline sees steady progress. */
const UPLOAD_SLICE_BYTES = 64 * 1024;
/** How many more idleTimeoutMs a batch of queued slices gets before its callbacks come (uploadStalled). */
const MAX_STALL_GRACES = 3;
/**
 * How long an upload whose write met a closed connection waits for the node's answer (capped by
 * requestTimeoutMs). A node that answered did so before it closed, so the answer is in the socket's
 * receive buffer already, and one that sent none resets: the socket's read side ends at once
 * either way. This only bounds a peer that does neither.
 */
export const EARLY_ANSWER_GRACE_MS = 1_000;

/**
 * One HTTP request/response with every way it can end mapped to a StorageError: the caller's
 * AbortSignal, a deadline for the headers, stall deadlines for upload and download bytes, socket
 * errors, and an early answer while the upload is still running. `release()` is always called
 * (by the transport or the body reader); it clears every timer and either hands the socket back
 * to the keep-alive pool (response fully read) or destroys it.
 */
export class HttpExchange implements WriteErrorHolder {
  private readonly req: ClientRequest;
  private res: IncomingMessage | undefined;
  private failure: Failure | undefined;
  private released = false;
  private uploadDone: boolean;
  private readonly answer: Promise<IncomingMessage>;
  private readonly pumpDone: Promise<void>;
  /** Settles when the exchange is torn down (fail()): ends waits that the socket's events do not. */
  private readonly tornDown: Promise<void>;
  private tearDown!: () => void;
  private readonly headersDeadline: Deadline;
  private readonly uploadDeadline: Deadline;
  private readonly bodyDeadline: Deadline;
  /** Bounds the wait for an answer once an upload write met a closed connection (see holdWriteError). */
  private readonly answerGrace: Deadline;
  /** The write error an upload met, held so the node's answer can still be read (held-write-errors.ts). */
  private brokenWrite: Error | undefined;
  private socket: Socket | undefined;
  /** The gap the body deadline allows (idle for downloads), or the whole short answer's time, for the message. */
  private bodyGapMs = 0;
  private bodyWhole = false;
  private readonly onAbort = (): void => this.fail({ kind: "aborted", reason: this.spec.signal?.reason });
  /** Upload bytes handed to Node's request (sent) and, of those, taken by the socket (accepted). */
  private sent = 0;
  private accepted = 0;
  /** Stall deadlines passed since the last write callback while slices queued behind it had no callback yet (uploadStalled). */
  private stallGraces = 0;
  private readonly ahead = new UploadAhead(UPLOAD_SLICE_BYTES);
  /** The upload's wait for the socket, if one is in progress. */
  private waiting: { readonly event: "drain" | "finish"; resolve(ok: boolean): void } | undefined;
  /** Gives the caller's iterable body up (its return()), while the upload still reads it. */
  private giveUpBody: (() => void) | undefined;
  /** Download progress, for the truncation message (short answers have none). */
  private received = 0;
  private expected: number | undefined;

  constructor(
    private readonly host: ExchangeHost,
    private readonly spec: ExchangeSpec,
  ) {
    const o = host.options;
    this.headersDeadline = new Deadline(() => this.fail({ kind: "timeout", phase: "headers", ms: o.requestTimeoutMs }));
    this.uploadDeadline = new Deadline(() => this.uploadStalled());
    this.bodyDeadline = new Deadline(() => this.fail({ kind: "timeout", phase: "body", ms: this.bodyGapMs, ...(this.bodyWhole ? { whole: true } : {}) }));
    // No answer came after all: the request ends as the write error it met (requestError reports that).
    this.answerGrace = new Deadline(() => this.req.destroy());
    this.uploadDone = spec.body === undefined;
    this.tornDown = new Promise<void>((resolve) => (this.tearDown = resolve));

    // The content as stored: a proxy that compresses answers is told not to (an encoded answer is refused).
    const headers: OutgoingHttpHeaders = { "accept-encoding": "identity", ...spec.headers };
    if (o.authorization !== undefined) headers["authorization"] = o.authorization;
    if (spec.declaredSize !== undefined) headers["content-length"] = String(spec.declaredSize);
    this.req = (o.protocol === "https:" ? httpsRequest : httpRequest)({
      hostname: o.hostname,
      port: o.port,
      method: spec.context.method,
      path: spec.context.path,
      headers,
      agent: host.agent,
    });

    this.answer = new Promise<IncomingMessage>((resolve, reject) => {
      this.req.on("response", (res) => {
        this.res = res;
        this.headersDeadline.stop();
        this.answerGrace.stop();
        // Errors after the headers surface through the body reader; this keeps them from crashing the process meanwhile.
        res.on("error", () => undefined);
        resolve(res);
      });
      // Stays attached for the life of the request: a second 'error' without a listener would throw.
      this.req.on("error", (error) => reject(this.requestError(error)));
      this.req.on("close", () => reject(this.requestError(new Error("connection closed before an answer"))));
    });
    // Someone awaits `answer` unless the call fails elsewhere first; never leave it unhandled.
    this.answer.catch(() => undefined);

    spec.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (spec.body !== undefined) {
      // A node that answers before it read the whole upload closes the connection under our writes.
      this.req.on("socket", (socket: Socket) => {
        this.socket = socket;
        if (!this.released) holdWriteErrors(socket, this);
      });
    }
    if (spec.body === undefined) {
      this.req.end();
      this.headersDeadline.arm(o.requestTimeoutMs);
      this.pumpDone = Promise.resolve();
    } else {
      this.pumpDone = this.pump(spec.body, spec.declaredSize);
    }
  }

  /** Whether the request went out on a kept-alive socket an earlier exchange used. */
  get reusedSocket(): boolean {
    return this.req.reusedSocket;
  }

  /** The response headers; rejects with the typed error (or StaleSocketError) otherwise. */
  response(): Promise<IncomingMessage> {
    return this.answer;
  }

  /** For uploads answered 2xx: resolves only when every byte was handed to the socket. */
  async uploadFinished(): Promise<void> {
    // The node answers once it has read Content-Length bytes; the pump may still wait for the
    // caller's body to end, which a stalled source never does: an abort or close() ends that wait.
    await Promise.race([this.pumpDone, this.tornDown]);
    if (this.failure !== undefined) throw failureError(this.failure, this.spec.context);
    if (!this.uploadDone) throw malformedAnswer(this.spec.context, "it answered before the upload was complete");
  }

  /**
   * Reads a short body as UTF-8. `overflow: "cut"` keeps the first `limit` bytes (error bodies are
   * only for messages), `"fail"` rejects bodies over `limit` (CIDs, JSON).
   */
  async readText(limit: number, overflow: "cut" | "fail"): Promise<string> {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.chunks(this.host.options.requestTimeoutMs, true)) {
      const room = limit - total;
      if (chunk.byteLength > room) {
        if (overflow === "fail") throw malformedAnswer(this.spec.context, `the answer is larger than ${limit} bytes`);
        parts.push(chunk.subarray(0, room));
        total = limit;
        break;
      }
      parts.push(chunk);
      total += chunk.byteLength;
    }
    return Buffer.concat(parts, total).toString("utf8");
  }

  /** Error bodies are best effort: whatever arrived before the node hung up is enough for a message. */
  async readErrorText(limit: number): Promise<string> {
    const parts: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of this.chunks(this.host.options.requestTimeoutMs, true)) {
        parts.push(chunk);
        total += chunk.byteLength;
        if (total >= limit) break;
      }
    } catch (error) {
      // An abort or close still wins over the status the node sent.
      if (this.failure !== undefined && this.failure.kind !== "timeout") throw error;
    }
    return Buffer.concat(parts, total).subarray(0, limit).toString("utf8");
  }

  /**
   * The download body: every chunk as it arrives (no buffering beyond the socket's), ending with
   * E_TRUNCATED when fewer than `expected` bytes come. Releases the exchange however it ends.
   */
  async *download(expected: number): AsyncGenerator<Uint8Array, void, undefined> {
    this.expected = expected;
    try {
      for await (const chunk of this.chunks()) {
        this.received += chunk.byteLength;
        if (this.received > expected) {
          throw malformedAnswer(this.spec.context, `it sent more than the announced ${expected} bytes`);
        }
        yield chunk;
      }
      if (this.received < expected) {
        throw new StorageError(
          "E_TRUNCATED",
          `Download of ${this.spec.context.cid ?? this.spec.context.path} from Codex node ${this.spec.context.location} ended after ${this.received} of ${expected} bytes; try again.`,
          { details: { received: this.received, expected, method: this.spec.context.method, path: this.spec.context.path } },
        );
      }
    } finally {
      this.release();
    }
  }

  /** Idempotent. Clears every timer and listener; keeps the socket only when the exchange ended cleanly. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.spec.signal?.removeEventListener("abort", this.onAbort);
    this.headersDeadline.stop();
    this.uploadDeadline.stop();
    this.bodyDeadline.stop();
    this.answerGrace.stop();
    if (this.socket !== undefined) letGo(this.socket, this);
    // A socket whose write was held has lost bytes of this request: never pooled (uploadDone stays false).
    const clean = this.failure === undefined && this.uploadDone && this.brokenWrite === undefined && this.res !== undefined && this.res.readableEnded;
    if (!clean) this.req.destroy();
    this.giveUpBody?.();
    this.host.forget(this);
  }

  /** Tears the exchange down for `failure`; the first reason wins and decides the error. */
  fail(failure: Failure): void {
    if (this.failure !== undefined || this.released) return;
    this.failure = failure;
    this.tearDown();
    this.headersDeadline.stop();
    this.uploadDeadline.stop();
    this.bodyDeadline.stop();
    this.answerGrace.stop();
    this.req.destroy();
    this.res?.destroy();
    this.giveUpBody?.();
  }

  /**
   * An upload write met a closed connection (EPIPE, ECONNRESET). Held, so the socket goes on
   * reading: a node that answers an upload early (full, a 422, a proxy's 413) has its answer in
   * the receive buffer by then, and it is what the call reports, as for a buffer body whose writes
   * happened to wait for the socket. The body is given up at once (nothing more of it can arrive);
   * without an answer, the call ends with this error once the socket's read side ends, or after
   * EARLY_ANSWER_GRACE_MS.
   */
  holdWriteError(error: Error): boolean {
    if (this.failure !== undefined || this.released) return false;
    this.brokenWrite = error;
    this.uploadDeadline.stop();
    this.giveUpBody?.();
    this.wake("end");
    if (this.res === undefined) {
      this.headersDeadline.stop();
      this.answerGrace.arm(Math.min(EARLY_ANSWER_GRACE_MS, this.host.options.requestTimeoutMs));
    }
    return true;
  }

  private requestError(error: unknown): unknown {
    if (this.failure !== undefined) return failureError(this.failure, this.spec.context);
    // No answer came after a held write error: that error is why (the read side's end says less).
    if (this.brokenWrite !== undefined && this.res === undefined) error = this.brokenWrite;
    const mapped = socketError(error, "request", this.spec.context);
    const code = (error as { code?: unknown } | null)?.code;
    if (this.req.reusedSocket && this.res === undefined && typeof code === "string" && RESET_CODES.has(code)) {
      return new StaleSocketError(mapped);
    }
    return mapped;
  }

  /**
   * Response chunks, each awaited under a deadline: idleTimeoutMs per gap for a download;
   * requestTimeoutMs for the whole of a short answer (a CID, JSON, an error text), which is part of
   * the call's answer (`whole`): per gap, one trickling in a byte at a time held the call for hours.
   */
  private async *chunks(gapMs = this.host.options.idleTimeoutMs, whole = false): AsyncGenerator<Buffer, void, undefined> {
    const res = this.res;
    if (res === undefined) throw new Error("HttpExchange: body read before the response arrived");
    const iterator = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const until = performance.now() + gapMs;
    for (;;) {
      if (this.failure !== undefined) throw failureError(this.failure, this.spec.context);
      this.bodyGapMs = gapMs;
      this.bodyWhole = whole;
      this.bodyDeadline.arm(whole ? until - performance.now() : gapMs);
      let step: IteratorResult<Buffer>;
      try {
        step = await iterator.next();
      } catch (error) {
        if (this.failure !== undefined) throw failureError(this.failure, this.spec.context);
        const progress = this.expected === undefined ? undefined : { received: this.received, expected: this.expected };
        throw socketError(error, "body", this.spec.context, progress);
      } finally {
        this.bodyDeadline.disarm();
      }
      if (this.failure !== undefined) throw failureError(this.failure, this.spec.context);
      if (step.done === true) return;
      yield step.value;
    }
  }

  /** Writes the caller's body with backpressure; stops at the first answer, failure or stall. */
  private async pump(source: Uint8Array | AsyncIterable<Uint8Array>, declared: number | undefined): Promise<void> {
    const req = this.req;
    // Listeners for the whole upload, not one set per chunk: whichever comes settles the wait in progress.
    req.on("drain", () => this.wake("drain"));
    req.on("finish", () => this.wake("finish"));
    req.once("close", () => this.wake("end"));
    req.once("response", () => this.wake("end"));
    // An iterable's last declared byte, held back until the source has ended: a node answers (and
    // stores) once it has read Content-Length bytes, so a body longer than its size, written up to
    // it, was stored while the put failed (E_BACKEND_HTTP "answered before the upload was complete",
    // retried). Held back, the node never completes it and the put is E_TRUNCATED, as for a buffer.
    let last: Uint8Array | undefined;
    try {
      if (source instanceof Uint8Array) {
        if (!(await this.sendSliced(source, declared))) return;
      } else {
        // Read by hand, not with for-await: that calls return() only once a pending next() gives
        // something, and a body stalled mid-body (a pipe from a stopped recorder) would then stay
        // open after the exchange failed. It is given up as the exchange ends (fail, release).
        const iterator = source[Symbol.asyncIterator]();
        this.giveUpBody = () => {
          this.giveUpBody = undefined;
          void (async () => iterator.return?.())().catch(() => undefined);
        };
        try {
          for (;;) {
            const step = await iterator.next();
            if (step.done === true) break;
            let chunk: unknown = step.value;
            if (!(chunk instanceof Uint8Array)) {
              this.fail({ kind: "source", error: notBytes(chunk, this.spec.context) });
              return;
            }
            if (chunk.byteLength === 0) continue;
            if (last !== undefined) {
              // More after the declared size: counted with the held byte, refused unwritten (sendSliced).
              this.sent += last.byteLength;
              last = undefined;
            } else if (declared !== undefined && this.sent + chunk.byteLength === declared) {
              // A copy: the source may reuse its buffer once asked for more, which is what ends it.
              last = Uint8Array.of(chunk[chunk.byteLength - 1]!);
              chunk = chunk.subarray(0, chunk.byteLength - 1);
            }
            if (!(await this.sendSliced(chunk as Uint8Array, declared))) {
              this.giveUpBody?.();
              return;
            }
          }
        } finally {
          // Ended by itself (or its own error): nothing to give up.
          this.giveUpBody = undefined;
        }
      }
      // Held write error: a body given up meanwhile ends here, short of its size, and the node's answer (or none) decides.
      if (this.failure !== undefined || this.brokenWrite !== undefined) return;
      if (last !== undefined && !(await this.sendSliced(last, declared))) return;
      // The node stops reading at Content-Length, so it may answer while the source's last next() is
      // still pending: that answer is to the whole upload, and the request is ended as usual.
      if (this.res !== undefined && (declared === undefined || this.sent !== declared)) return;
      if (declared !== undefined && this.sent !== declared) {
        this.fail({ kind: "size", declared, actual: this.sent });
        return;
      }
      req.end();
      // A node answers an upload only once it has read Content-Length bytes, and closes the connection
      // with every answer (Connection: close): answered while the body's last next() was pending, the
      // end above meets a closed socket, yet the socket took every declared byte and the answer is to them.
      const answeredWhole = this.res !== undefined && declared !== undefined && this.accepted === declared;
      // A held write error: the socket reports the writes done, but the node got no more of them.
      this.uploadDone = ((await this.writable("finish")) && this.brokenWrite === undefined) || answeredWhole;
      if (this.uploadDone && this.res === undefined && this.failure === undefined) {
        this.headersDeadline.arm(this.host.options.requestTimeoutMs);
      }
    } catch (error) {
      // The caller's own body failed; tear down and hand their error back unchanged.
      this.fail({ kind: "source", error });
    }
  }

  /**
   * Hands `bytes` to the socket in slices of UPLOAD_SLICE_BYTES, as far ahead of it as UploadAhead
   * allows, and waits for it to drain after a chunk's last slice if it asked to; false when the upload
   * is to stop (an answer, a failure, a stall). Every slice the socket takes is a progress report
   * and pushes the idle deadline back. A buffer and an iterable's chunk go out alike: a chunk
   * written whole (a stream that yields a 4 MiB piece at once) was one progress report and one idle
   * deadline for the lot, and a slow but steady uplink timed out on it. The source is asked for its
   * next chunk only once the socket took this one's bytes (as before), as it may reuse them. A chunk
   * past the declared size is refused before any of it is written, so the node never gets
   * Content-Length bytes of a body that is longer than the caller said.
   */
  private async sendSliced(bytes: Uint8Array, declared: number | undefined): Promise<boolean> {
    if (declared !== undefined && this.failure === undefined && this.res === undefined && this.sent + bytes.byteLength > declared) {
      this.sent += bytes.byteLength;
      this.fail({ kind: "size", declared, actual: this.sent });
      return false;
    }
    for (let at = 0; at < bytes.byteLength; at += UPLOAD_SLICE_BYTES) {
      const next = this.send(bytes.subarray(at, at + UPLOAD_SLICE_BYTES), declared);
      if (next === "stop") return false;
      if (next === "more" || (at + UPLOAD_SLICE_BYTES < bytes.byteLength && this.req.writableLength < this.ahead.bytes)) continue;
      const waitedFrom = performance.now();
      if (!(await this.writable("drain"))) return false;
      this.ahead.drained(performance.now() - waitedFrom);
    }
    return true;
  }

  /** Hands one slice to the socket: go on, wait for it to drain, or stop (an answer, a failure, too many bytes). */
  private send(chunk: Uint8Array, declared: number | undefined): "more" | "wait" | "stop" {
    if (this.failure !== undefined || this.res !== undefined || this.brokenWrite !== undefined) return "stop";
    this.sent += chunk.byteLength;
    if (declared !== undefined && this.sent > declared) {
      this.fail({ kind: "size", declared, actual: this.sent });
      return "stop";
    }
    return chunk.byteLength === 0 || this.req.write(chunk, this.written(chunk.byteLength)) ? "more" : "wait";
  }

  /** A write's callback: the slice left Node's buffer for the socket (an error there surfaces elsewhere). */
  private written(bytes: number): (error?: Error | null) => void {
    return (error) => {
      // Released: the call settled (an early error answer rejects while a write is still under way), and reports nothing more.
      // A held write error: the socket reports this slice done, but it went nowhere.
      if (error != null || this.failure !== undefined || this.released || this.brokenWrite !== undefined) return;
      this.accepted += bytes;
      this.stallGraces = 0;
      // The socket took bytes: no stall, however much is still buffered ahead of it.
      if (this.waiting !== undefined) this.uploadDeadline.arm(this.host.options.idleTimeoutMs);
      try {
        this.spec.onUploadProgress?.(this.accepted, this.spec.declaredSize);
      } catch (thrown) {
        // Thrown in a socket callback it would be an uncaught exception and the put would hang: it is the caller's error, as a failing body's is.
        this.fail({ kind: "source", error: thrown });
      }
    };
  }

  /**
   * The stall deadline passed with no write callback. Slices queued while a write is in flight leave
   * in one writev whose callbacks all come at its end (upload-ahead.ts), and nothing in Node shows
   * the kernel taking them meanwhile: a node reading a steady 30 KB/s takes 35 s over 1 MiB of
   * them, which the deadline took for a node that stopped reading. So while slices queued behind
   * one another have no callback, the deadline passes again, once per slice beyond the first and
   * at most MAX_STALL_GRACES times: a steady node gets that long for the lot, and a node that
   * stopped reading right after a fast start (only a fast link runs ahead) is still found within
   * (MAX_STALL_GRACES + 1) × idleTimeoutMs.
   */
  private uploadStalled(): void {
    const slicesWaiting = Math.ceil((this.sent - this.accepted) / UPLOAD_SLICE_BYTES);
    if (this.stallGraces < MAX_STALL_GRACES && this.stallGraces + 1 < slicesWaiting) {
      this.stallGraces += 1;
      this.uploadDeadline.arm(this.host.options.idleTimeoutMs);
      return;
    }
    this.fail({ kind: "timeout", phase: "upload", ms: this.host.options.idleTimeoutMs });
  }

  /**
   * Waits for the socket to take more bytes. False when the exchange ends first or the node
   * answers (an early answer means it will not read the rest).
   */
  private writable(event: "drain" | "finish"): Promise<boolean> {
    const req = this.req;
    if (req.destroyed || this.failure !== undefined || this.brokenWrite !== undefined) return Promise.resolve(false);
    if (event === "finish" && req.writableFinished) return Promise.resolve(true);
    this.uploadDeadline.arm(this.host.options.idleTimeoutMs);
    return new Promise<boolean>((resolve) => {
      this.waiting = { event, resolve };
    });
  }

  /** Settles the wait in progress: its event came (true), or the exchange ended or was answered. */
  private wake(what: "drain" | "finish" | "end"): void {
    const waiting = this.waiting;
    if (waiting === undefined || (what !== "end" && what !== waiting.event)) return;
    this.waiting = undefined;
    this.uploadDeadline.disarm();
    waiting.resolve(what !== "end" || (waiting.event === "finish" && this.req.writableFinished));
  }
}
