import { setMaxListeners } from "node:events";
import { Agent as HttpAgent, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { StorageError } from "../../storage-error.js";
import { HttpExchange, StaleSocketError, type ExchangeHost, type ExchangeSpec } from "./http-exchange.js";
import type { ResolvedCodexOptions } from "./options.js";
import { abortError } from "./transport-error.js";

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

  constructor(readonly options: ResolvedCodexOptions) {
    this.agent = options.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
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
   */
  async open(spec: ExchangeSpec): Promise<{ exchange: HttpExchange; response: IncomingMessage }> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) {
        throw new StorageError("E_CLIENT_CLOSED", `Codex backend for ${this.options.location} is closed; create a new one.`, {
          details: { method: spec.context.method, path: spec.context.path },
        });
      }
      if (spec.signal?.aborted === true) throw abortError(spec.signal.reason, spec.context);
      const exchange = new HttpExchange(this, spec);
      this.live.add(exchange);
      try {
        const response = await exchange.response();
        return { exchange, response };
      } catch (error) {
        exchange.release();
        if (error instanceof StaleSocketError) {
          if (attempt === 0 && (spec.body === undefined || spec.body instanceof Uint8Array)) {
            this.dropIdleSockets();
            continue;
          }
          throw error.mapped;
        }
        throw error;
      }
    }
  }

  /** The other idle sockets idled as long as the one the node closed: the repeat must not take one. */
  private dropIdleSockets(): void {
    for (const sockets of Object.values(this.agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
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
