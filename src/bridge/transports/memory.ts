/**
 * An in-process Waku network for tests: `new MemoryNetwork()` hands out transports joined to it.
 *
 * Every message goes through the Waku message's protobuf encoding (waku-message.ts), as over a relay.
 * It behaves as a network does: delivery is asynchronous (never inside publish's call stack: a
 * round of deliveries runs on the network's scheduler, setImmediate by default), each subscriber
 * gets its own copy of the bytes (a sender reusing its buffer changes nothing delivered), each
 * sender's messages reach a transport in the order they were published, and a transport's own
 * subscriptions get its own messages. A seeded fault plan drops, duplicates and delays (so
 * reorders) deliveries between transports, deterministically from its seed; partitions cut the
 * network in groups. `settled()` resolves once everything published so far has been delivered or
 * lost, so tests wait for it instead of sleeping.
 */
import { MAX_WRITTEN_ENVELOPE_BYTES } from "../../wire/index.js";
import { componentLogger, silentLogger, type Logger } from "../../obs/index.js";
import type { PublishOptions, PublishResult, Unsubscribe, WakuMessage, WakuMessageHandler, WakuTransport } from "../transport.js";
import { checkPublish, checkSubscribe, closedError, deliverTo } from "./common.js";
import { decodeWakuMessage, encodeWakuMessage } from "./waku-message.js";
import { seededRandom } from "./seeded-random.js";

/**
 * Faults on deliveries between two different transports (a transport's own subscriptions always
 * get its messages, once and in order). Each probability is in [0, 1]; every decision comes from a
 * generator seeded with `seed`, drawn in publish order, so a test that publishes in the same order
 * sees the same faults.
 */
export interface MemoryFaultPlan {
  readonly seed: number;
  /** Chance a delivery is lost. */
  readonly drop?: number;
  /** Chance a delivery arrives twice (the copy one or more rounds later). */
  readonly duplicate?: number;
  /** Chance a delivery is held back 1..maxDelayRounds rounds, so later messages overtake it. */
  readonly delay?: number;
  /** The most rounds a delay holds a delivery back (default 8). */
  readonly maxDelayRounds?: number;
  /** The directed links [from, to] (transport names) the faults apply to; every link when absent. */
  readonly links?: ReadonlyArray<readonly [from: string, to: string]>;
}

export interface MemoryNetworkOptions {
  /** Faults on deliveries; none when absent. */
  readonly faults?: MemoryFaultPlan;
  /** The transports' maxPayloadBytes unless one is given its own: the wire layer's MAX_WRITTEN_ENVELOPE_BYTES. */
  readonly maxPayloadBytes?: number;
  /**
   * Runs one round of deliveries later: setImmediate by default. A test on fake timers that does
   * not advance them passes `queueMicrotask` (delivery stays outside publish's call stack).
   */
  readonly schedule?: (round: () => void) => void;
  readonly logger?: Logger;
}

export interface MemoryTransportOptions {
  /** Unique on the network; fault links and partitions name transports by it (default `t1`, `t2`, …). */
  readonly name?: string;
  readonly maxPayloadBytes?: number;
}

interface Delivery {
  readonly seq: number;
  readonly from: string;
  readonly to: MemoryTransport;
  /** The Waku message's protobuf bytes (waku-message.ts), as a relay carries them. */
  readonly wire: Uint8Array;
}

function checkProbability(name: string, value: number | undefined): number {
  const p = value ?? 0;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`fault plan ${name} must be a probability in [0, 1], got ${String(value)}`);
  return p;
}

export class MemoryNetwork {
  private readonly transports = new Map<string, MemoryTransport>();
  /** Transports made so far: default names count up and never repeat one that left. */
  private made = 0;
  /** Deliveries by the round they are due in. */
  private readonly due = new Map<number, Delivery[]>();
  private round = 0;
  private scheduled = false;
  private nextSeq = 0;
  private pending = 0;
  private readonly waiters: { mark: number; resolve: () => void }[] = [];
  private groups: Map<string, number> | undefined;
  private readonly random: () => number;
  private readonly faults: Required<Omit<MemoryFaultPlan, "links" | "seed">> & { links: Set<string> | undefined };
  private readonly schedule: (round: () => void) => void;
  private readonly log: Logger;
  readonly maxPayloadBytes: number;

  constructor(options: MemoryNetworkOptions = {}) {
    const plan = options.faults;
    this.random = seededRandom(plan?.seed ?? 0);
    const maxDelayRounds = plan?.maxDelayRounds ?? 8;
    if (!Number.isInteger(maxDelayRounds) || maxDelayRounds < 1) {
      throw new RangeError(`fault plan maxDelayRounds must be an integer of at least 1, got ${String(plan?.maxDelayRounds)}`);
    }
    this.faults = {
      drop: checkProbability("drop", plan?.drop),
      duplicate: checkProbability("duplicate", plan?.duplicate),
      delay: checkProbability("delay", plan?.delay),
      maxDelayRounds,
      links: plan?.links === undefined ? undefined : new Set(plan.links.map(([from, to]) => linkKey(from, to))),
    };
    this.maxPayloadBytes = checkMaxPayload(options.maxPayloadBytes ?? MAX_WRITTEN_ENVELOPE_BYTES);
    this.schedule = options.schedule ?? ((run) => void setImmediate(run));
    this.log = componentLogger(options.logger ?? silentLogger(), "bridge.memory");
  }

  /** A new transport joined to this network. */
  transport(options: MemoryTransportOptions = {}): MemoryTransport {
    const name = options.name ?? `t${++this.made}`;
    if (this.transports.has(name)) throw new RangeError(`a transport named ${JSON.stringify(name)} is already on this network`);
    const transport = new MemoryTransport(this, name, checkMaxPayload(options.maxPayloadBytes ?? this.maxPayloadBytes), this.log);
    this.transports.set(name, transport);
    return transport;
  }

  /**
   * Cuts the network into groups of transport names: a message published from one group does not
   * reach the others (messages already on their way still arrive). Transports not named form one
   * more group together. `heal()` joins them again.
   */
  partition(...groups: ReadonlyArray<readonly string[]>): void {
    const map = new Map<string, number>();
    groups.forEach((group, index) => {
      for (const name of group) {
        if (map.has(name)) throw new RangeError(`transport ${JSON.stringify(name)} is in two partition groups`);
        map.set(name, index + 1);
      }
    });
    this.groups = map;
  }

  heal(): void {
    this.groups = undefined;
  }

  /** Resolves once every delivery of every message published before the call has happened or been lost. */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ mark: this.nextSeq, resolve });
      this.resolveWaiters();
    });
  }

  /** Closes every transport of the network. */
  async close(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()));
  }

  /** @internal Called by MemoryTransport.publish after its checks. */
  send(from: MemoryTransport, message: Uint8Array, contentTopic: string): number {
    let recipients = 0;
    for (const to of this.transports.values()) {
      if (to.isClosed) continue;
      if (to === from) {
        this.enqueue(from.name, to, message, 1);
        continue;
      }
      if (!this.reachable(from.name, to.name)) continue;
      recipients++;
      if (this.faultsApply(from.name, to.name)) {
        const f = this.faults;
        // Four draws per delivery whatever the outcome, so one decision does not shift the next.
        const [drop, dup, delay, rounds] = [this.random(), this.random(), this.random(), this.random()];
        if (drop < f.drop) {
          this.log.debug({ from: from.name, to: to.name, contentTopic }, "fault plan: delivery dropped");
          continue;
        }
        const held = delay < f.delay ? 1 + Math.floor(rounds * f.maxDelayRounds) : 0;
        this.enqueue(from.name, to, message, 1 + held);
        if (dup < f.duplicate) this.enqueue(from.name, to, message, 2 + held + Math.floor(rounds * f.maxDelayRounds));
      } else {
        this.enqueue(from.name, to, message, 1);
      }
    }
    return recipients;
  }

  /** @internal */
  leave(transport: MemoryTransport): void {
    if (this.transports.get(transport.name) === transport) this.transports.delete(transport.name);
  }

  private reachable(from: string, to: string): boolean {
    const groups = this.groups;
    if (groups === undefined) return true;
    return (groups.get(from) ?? 0) === (groups.get(to) ?? 0);
  }

  private faultsApply(from: string, to: string): boolean {
    const f = this.faults;
    if (f.drop === 0 && f.duplicate === 0 && f.delay === 0) return false;
    return f.links === undefined || f.links.has(linkKey(from, to));
  }

  private enqueue(from: string, to: MemoryTransport, wire: Uint8Array, after: number): void {
    const round = this.round + after;
    const list = this.due.get(round);
    const delivery: Delivery = { seq: this.nextSeq++, from, to, wire };
    if (list === undefined) this.due.set(round, [delivery]);
    else list.push(delivery);
    this.pending++;
    this.wake();
  }

  private wake(): void {
    if (this.scheduled || this.pending === 0) return;
    this.scheduled = true;
    this.schedule(() => this.runRound());
  }

  private runRound(): void {
    this.scheduled = false;
    this.round++;
    const list = this.due.get(this.round);
    if (list !== undefined) {
      this.due.delete(this.round);
      for (const delivery of list) {
        this.pending--;
        delivery.to.receive(delivery.wire);
      }
    }
    this.resolveWaiters();
    this.wake();
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    let oldest = Infinity;
    for (const list of this.due.values()) for (const d of list) if (d.seq < oldest) oldest = d.seq;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i] as { mark: number; resolve: () => void };
      if (oldest >= waiter.mark) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}

function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function checkMaxPayload(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`maxPayloadBytes must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** One member of a MemoryNetwork. */
export class MemoryTransport implements WakuTransport {
  private closed = false;
  private readonly subscriptions = new Map<string, Set<WakuMessageHandler>>();

  /** @internal Made by MemoryNetwork.transport(). */
  constructor(
    private readonly network: MemoryNetwork,
    readonly name: string,
    readonly maxPayloadBytes: number,
    private readonly log: Logger,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  async publish(contentTopic: string, payload: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    checkPublish(`memory ${this.name}`, this.closed, contentTopic, payload, this.maxPayloadBytes, options.signal);
    // Encoded now, as a relay does (the caller may reuse its buffer as soon as publish returns).
    const wire = encodeWakuMessage({ payload, contentTopic, timestampMs: Date.now() });
    // A network hands the message over after the caller's turn: an abort or a close in that turn wins.
    await Promise.resolve();
    if (this.closed) throw closedError(`memory ${this.name}`, "publish");
    options.signal?.throwIfAborted();
    return { recipients: this.network.send(this, wire, contentTopic) };
  }

  async subscribe(contentTopic: string, handler: WakuMessageHandler): Promise<Unsubscribe> {
    checkSubscribe(`memory ${this.name}`, this.closed, contentTopic, handler);
    // Its own entry, so the same handler subscribed twice is two subscriptions, each ended alone.
    const entry: WakuMessageHandler = (message) => handler(message);
    let handlers = this.subscriptions.get(contentTopic);
    if (handlers === undefined) this.subscriptions.set(contentTopic, (handlers = new Set()));
    handlers.add(entry);
    const topicHandlers = handlers;
    return async () => {
      topicHandlers.delete(entry);
      if (topicHandlers.size === 0 && this.subscriptions.get(contentTopic) === topicHandlers) this.subscriptions.delete(contentTopic);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriptions.clear();
    this.network.leave(this);
  }

  /** @internal A delivery arriving from the network. */
  receive(wire: Uint8Array): void {
    if (this.closed) return;
    const decoded = decodeWakuMessage(wire);
    const handlers = this.subscriptions.get(decoded.contentTopic);
    if (handlers === undefined) return;
    const message: WakuMessage = {
      contentTopic: decoded.contentTopic,
      payload: decoded.payload,
      ...(decoded.timestampMs === undefined ? {} : { timestamp: new Date(decoded.timestampMs) }),
    };
    for (const handler of [...handlers]) {
      if (!handlers.has(handler)) continue; // unsubscribed by an earlier handler of this delivery
      deliverTo(handler, message, this.log);
    }
  }
}
