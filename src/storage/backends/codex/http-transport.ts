import { setMaxListeners } from "node:events";
import { Agent as HttpAgent, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Socket } from "node:net";
import { StorageError } from "../../storage-error.js";
import { HttpExchange, StaleSocketError, type ExchangeHost, type ExchangeSpec } from "./http-exchange.js";
import type { ResolvedCodexOptions } from "./options.js";
import { abortError } from "./transport-error.js";

/**
 * How long a kept-alive connection may idle in the pool and still be used. A carrier's NAT (or a
 * Wi-Fi router's) drops an idle TCP connection without telling the phone; a request sent on it goes
 * nowhere and stalls until a timeout, counted against a healthy endpoint. Below any NAT's timeout
 * and below the keep-alive timeouts of servers (Node's 5 s), as undici's default (Node's fetch):
 * a connection is reused within a transfer, and after a pause a new one costs one handshake.
 */
export const KEEP_ALIVE_IDLE_MS = 4_000;

/**
 * Owns the keep-alive agent and every exchange in flight, so `close()` can end them all and leave
 * no socket or timer behind.
 *
 * Why node:http and not fetch: fetch on Node 20 keeps its sockets in undici's global pool, which
 * a library cannot close on `close()` without the undici package; its body is a web stream (an
 * extra copy layer per chunk); and a prematurely closed body surfaces as a generic "terminated".
 * node:http gives a private agent we can destroy, socket-level backpressure both ways, and the
 * exact failure (refused, reset, aborted) we need for typed errors.
 */
export class CodexHttpTransport implements ExchangeHost {
  readonly agent: HttpAgent;
  private readonly live = new Set<HttpExchange>();
  private closed = false;
  /** Fires on close(), for waits that are not exchanges yet (a put waiting for its body's first bytes). */
  private readonly closing = new AbortController();
  /** When each pooled socket went idle, by both clocks (see dropFreeSockets). */
  private readonly freedAt = new WeakMap<Socket, { readonly mono: number; readonly wall: number }>();

  constructor(readonly options: ResolvedCodexOptions) {
    // The agent's timeout closes idle sockets (their descriptors) in time; dropFreeSockets() decides at each request.
    const agentOptions = { keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS };
    this.agent = options.protocol === "https:" ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.agent.on("free", (socket: Socket) => this.freedAt.set(socket, { mono: performance.now(), wall: Date.now() }));
    // Every put waiting for its first bytes listens, however many run at once: by design, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  get closedSignal(): AbortSignal {
    return this.closing.signal;
  }

  /**
   * Sends the request and waits for the response headers. A request that hits a kept-alive socket
   * the node had just closed (a reset before any answer: its keep-alive timeout fired as the request
   * came) is repeated once on a fresh connection, when its body can be sent again: none, or a buffer
   * (a put of the same bytes gives the same CID). Reported as a failure, it cost a healthy endpoint
   * its turn for failureMemoryMs. An iterable body cannot be read twice: its reset is reported.
   * A request that merely gets no answer on a reused socket is not repeated: a node hanging on a
   * missing block looks the same, and would cost its deadline twice; sockets idle long enough for a
   * NAT to drop them silently are not reused (KEEP_ALIVE_IDLE_MS).
   */
  async open(spec: ExchangeSpec): Promise<{ exchange: HttpExchange; response: IncomingMessage }> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) {
        throw new StorageError("E_CLIENT_CLOSED", `Codex backend for ${this.options.location} is closed; create a new one.`, {
          details: { method: spec.context.method, path: spec.context.path },
        });
      }
      if (spec.signal?.aborted === true) throw abortError(spec.signal.reason, spec.context);
      this.dropFreeSockets(KEEP_ALIVE_IDLE_MS);
      const exchange = new HttpExchange(this, spec);
      this.live.add(exchange);
      const repeatable = attempt === 0 && (spec.body === undefined || spec.body instanceof Uint8Array);
      try {
        const response = await exchange.response();
        if (response.statusCode === 408 && repeatable && exchange.reusedSocket) {
          // A server that closes an idle connection with an unsolicited 408 (one whose idle time is below
          // KEEP_ALIVE_IDLE_MS) wrote it as this request went out: it answers no request of ours.
          exchange.release();
          this.dropFreeSockets(0);
          continue;
        }
        return { exchange, response };
      } catch (error) {
        exchange.release();
        if (error instanceof StaleSocketError) {
          if (repeatable) {
            // The other idle sockets idled as long as the one the node closed: the repeat must not take one.
            this.dropFreeSockets(0);
            continue;
          }
          throw error.mapped;
        }
        throw error;
      }
    }
  }

  /**
   * Destroys the pooled sockets idle for `idleMs` or more (0: all of them). With KEEP_ALIVE_IDLE_MS it is checked as a request is made: a
   * phone that was asleep or suspended runs no timer (the agent's fires late, after the request took
   * the socket), and its monotonic clock may stand still meanwhile, so the wall clock counts too
   * (either one past the limit; dropping a live socket costs only a handshake). The agent takes the
   * newest socket and skips destroyed ones only at the front of its list (oldest first), so every
   * socket older than a stale one goes with it.
   */
  private dropFreeSockets(idleMs: number): void {
    const mono = performance.now();
    const wall = Date.now();
    for (const sockets of Object.values(this.agent.freeSockets)) {
      if (sockets === undefined) continue;
      let last = -1;
      sockets.forEach((socket, at) => {
        const freed = this.freedAt.get(socket);
        if (freed === undefined || Math.max(mono - freed.mono, wall - freed.wall) >= idleMs) last = at;
      });
      for (const socket of sockets.slice(0, last + 1)) socket.destroy();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  forget(exchange: HttpExchange): void {
    this.live.delete(exchange);
  }

  /** Ends every exchange in flight (they fail with E_CLIENT_CLOSED) and destroys all sockets. */
  close(): void {
    this.closed = true;
    this.closing.abort();
    for (const exchange of [...this.live]) {
      exchange.fail({ kind: "closed" });
      exchange.release();
    }
    this.agent.destroy();
  }
}
