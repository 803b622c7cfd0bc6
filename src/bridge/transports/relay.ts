/**
 * A WakuTransport on a real js-waku relay node (stack A of facts/waku-js-node20.md: @waku/sdk 0.0.27
 * `@waku/sdk/relay` createRelayNode, @waku/relay 0.0.14, @libp2p/tcp 9.1.6) on Node 20.
 *
 * js-waku is imported here only, lazily (`await import`) when the first transport starts: its import
 * costs ~0.7 s and ~50 MB, which nothing else of the package pays. The Promise.withResolvers
 * polyfill is installed before. js-waku's types stay in this file: what the module hands out is
 * described by the small structural types below, so a js-waku upgrade that reshapes its API fails
 * to compile here and nowhere else.
 *
 * The node listens on 127.0.0.1, port 0, by default, with no bootstrap and no discovery: peers are
 * dialled by address (`dial`). It subscribes to one pubsub topic (cluster 1, shard 0 by default:
 * `/waku/2/rs/1/0`) and sends each content topic there (no autosharding).
 */
import { componentLogger, silentLogger, type Logger } from "../../obs/index.js";
import { MAX_WRITTEN_ENVELOPE_BYTES } from "../../wire/index.js";
import { raceAbort } from "../../storage/index.js";
import { BridgeError } from "../bridge-error.js";
import type { PublishOptions, PublishResult, Unsubscribe, WakuMessageHandler, WakuTransport } from "../transport.js";
import { checkPublish, checkSubscribe, closedError, copyBytes, deliverTo } from "./common.js";
import { installPromiseWithResolvers } from "./with-resolvers.js";

export interface RelayTransportOptions {
  /** libp2p listen addresses (TCP); default `/ip4/127.0.0.1/tcp/0`: loopback, a port from the OS. */
  readonly listen?: readonly string[];
  /** The shard the node relays on and sends every content topic to: default cluster 1, shard 0 (`/waku/2/rs/1/0`). */
  readonly clusterId?: number;
  readonly shard?: number;
  /**
   * Gossipsub's heartbeat, which builds the mesh (default 1000 ms, gossipsub's). A mesh forms on
   * the first heartbeat after a dial: 100 ms brings it from ~1.1 s to ~0.1-0.2 s (tests).
   */
  readonly heartbeatIntervalMs?: number;
  /** Default: the wire layer's MAX_WRITTEN_ENVELOPE_BYTES (148 KiB; js-waku itself only refuses above 1 MiB). */
  readonly maxPayloadBytes?: number;
  /** Stops the start (the node is stopped again); its reason is thrown. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Milliseconds since the epoch, for the messages' timestamps (default Date.now). */
  readonly now?: () => number;
}

export interface WaitForPeersOptions {
  /** Mesh peers to wait for (default 1). */
  readonly count?: number;
  /** Ends the wait: its reason is thrown. Without one the wait lasts until the peers come or close(). */
  readonly signal?: AbortSignal;
}

// ---- what this module uses of js-waku (structural; js-waku's own types stay out of the layer) ----

interface PeerIdLike {
  toString(): string;
}
interface ShardInfo {
  clusterId: number;
  shard: number;
}
interface DecodedMessageLike {
  readonly contentTopic: string;
  readonly payload: Uint8Array;
  readonly timestamp?: Date | undefined;
}
interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}
interface RelayNodeLike {
  readonly libp2p: EventTargetLike & {
    readonly peerId: PeerIdLike;
    readonly services?: Record<string, unknown>;
    getMultiaddrs(): { toString(): string }[];
    getPeers(): PeerIdLike[];
  };
  readonly relay: {
    readonly pubsubTopics: Set<string>;
    readonly gossipSub: EventTargetLike;
    send(encoder: unknown, message: { payload: Uint8Array; timestamp?: Date }): Promise<{ successes: PeerIdLike[]; failures: { error: string }[] }>;
    subscribeWithUnsubscribe(decoders: unknown[], callback: (message: DecodedMessageLike) => void): (() => void) | Promise<() => void>;
    getMeshPeers(topic?: string): string[];
  };
  readonly connectionManager: { readonly keepAliveManager?: { stop(peer: PeerIdLike): void } };
  dial(peer: string, protocols: string[]): Promise<unknown>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
interface WakuModules {
  createRelayNode(options: Record<string, unknown>): Promise<RelayNodeLike>;
  createEncoder(options: { contentTopic: string; pubsubTopicShardInfo: ShardInfo }): unknown;
  createDecoder(contentTopic: string, shardInfo: ShardInfo): unknown;
  tcp(): unknown;
  relayProtocol: string;
}

let modules: Promise<WakuModules> | undefined;

/** js-waku's modules, imported on first use (the polyfill first). */
function loadWaku(): Promise<WakuModules> {
  modules ??= (async () => {
    installPromiseWithResolvers();
    const [relayNode, sdk, tcpModule] = await Promise.all([import("@waku/sdk/relay"), import("@waku/sdk"), import("@libp2p/tcp")]);
    return {
      createRelayNode: relayNode.createRelayNode as unknown as WakuModules["createRelayNode"],
      createEncoder: sdk.createEncoder as unknown as WakuModules["createEncoder"],
      createDecoder: sdk.createDecoder as unknown as WakuModules["createDecoder"],
      tcp: tcpModule.tcp as unknown as WakuModules["tcp"],
      relayProtocol: sdk.Protocols.Relay,
    };
  })();
  modules.catch(() => (modules = undefined));
  return modules;
}

function connectFailed(message: string, cause: unknown, details: Record<string, unknown>): BridgeError {
  return new BridgeError("E_BRIDGE_CONNECT_FAILED", message, { cause, details });
}

/** Starts a relay node and resolves its transport. Errors: E_BRIDGE_CONNECT_FAILED (the node did not start: its address taken, …), the signal's reason. */
export async function createRelayTransport(options: RelayTransportOptions = {}): Promise<RelayTransport> {
  const log = componentLogger(options.logger ?? silentLogger(), "bridge.relay");
  const listen = [...(options.listen ?? ["/ip4/127.0.0.1/tcp/0"])];
  const shard: ShardInfo = { clusterId: options.clusterId ?? 1, shard: options.shard ?? 0 };
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_WRITTEN_ENVELOPE_BYTES;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 0) throw new RangeError(`maxPayloadBytes must be a non-negative integer, got ${String(maxPayloadBytes)}`);
  options.signal?.throwIfAborted();
  let waku: WakuModules;
  try {
    waku = await raceAbort(loadWaku(), options.signal);
  } catch (error) {
    if (options.signal?.aborted === true && error === options.signal.reason) throw error;
    throw connectFailed(`js-waku (@waku/sdk 0.0.27, @libp2p/tcp 9.1.6) could not be loaded: ${String(error)}`, error, { listen });
  }
  let node: RelayNodeLike;
  try {
    node = await waku.createRelayNode({
      networkConfig: { clusterId: shard.clusterId, shards: [shard.shard] }, // no defaultBootstrap, no bootstrapPeers: no discovery
      libp2p: { addresses: { listen }, transports: [waku.tcp()], hideWebSocketInfo: true },
      // Gossipsub options (createRelayNode passes them on): the node's own messages reach its own
      // subscriptions (emitSelf), publishing with no peer yet is not an error (the port's 0
      // recipients), and a message the node already saw (the same bytes from another peer) is
      // not an error either.
      emitSelf: true,
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      // Gossipsub handles a peer's RPCs, and the messages in each, without waiting for the previous
      // one by default, so two messages of one sender could overtake each other in validation: one
      // at a time keeps each sender's order (the port's promise) by construction, not by timing.
      awaitRpcHandler: true,
      awaitRpcMessageHandler: true,
      ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: options.heartbeatIntervalMs }),
    });
  } catch (error) {
    throw connectFailed(`the relay node could not be made (listening on ${listen.join(", ")}): ${String(error)}`, error, { listen });
  }
  detachStreamPools(node);
  const transport = new RelayTransport(node, waku, shard, maxPayloadBytes, log, options.now ?? Date.now);
  const starting = node.start();
  try {
    // Raced with the signal: an abort ends the call whatever js-waku's start does; the node is
    // stopped once that start settles, so nothing is left listening.
    await raceAbort(starting, options.signal);
  } catch (error) {
    if (options.signal?.aborted === true && error === options.signal.reason) {
      void starting.then(
        () => transport.close(),
        () => transport.close(),
      );
      throw error;
    }
    await transport.close();
    throw connectFailed(`the relay node could not start listening on ${listen.join(", ")}: ${String(error)}`, error, { listen });
  }
  if (options.signal?.aborted === true) {
    await transport.close();
    throw options.signal.reason;
  }
  log.debug({ peerId: transport.peerId, multiaddrs: transport.multiaddrs() }, "relay node started");
  return transport;
}

/**
 * js-waku 0.0.27's protocol services (metadata, on a relay node) open a stream to every peer that
 * changes ("peer:update") ahead of need, racing it with a 5 s timer they never clear: each leaves a
 * 5 s timer armed after stop(), which holds a process (and a test worker) that long. A stream is
 * opened on demand without the pool, so the pool's listener is removed.
 */
function detachStreamPools(node: RelayNodeLike): void {
  for (const service of Object.values(node.libp2p.services ?? {})) {
    const s = service as { streamManager?: { handlePeerUpdateStreamPool?: unknown }; removeLibp2pEventListener?: (type: string, listener: unknown) => void };
    const listener = s?.streamManager?.handlePeerUpdateStreamPool;
    if (typeof listener === "function" && typeof s.removeLibp2pEventListener === "function") s.removeLibp2pEventListener("peer:update", listener);
  }
}

/** One js-waku relay node as a WakuTransport. Made by createRelayTransport. */
export class RelayTransport implements WakuTransport {
  private closed = false;
  private closing: Promise<void> | undefined;
  private lastTimestamp = 0;
  private readonly encoders = new Map<string, unknown>();
  private readonly subscriptions = new Set<() => void>();
  /** Calls waiting on js-waku (waitForPeers, a publish handed to send): close() ends each at once. */
  private readonly waiters = new Set<() => void>();
  private readonly pubsubTopic: string;
  readonly peerId: string;

  /** @internal */
  constructor(
    private readonly node: RelayNodeLike,
    private readonly waku: WakuModules,
    private readonly shard: ShardInfo,
    readonly maxPayloadBytes: number,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.pubsubTopic = [...node.relay.pubsubTopics][0] ?? `/waku/2/rs/${shard.clusterId}/${shard.shard}`;
    this.peerId = node.libp2p.peerId.toString();
  }

  /** The addresses peers dial this node on (with its `/p2p/<peer id>`). */
  multiaddrs(): string[] {
    if (this.closed) return [];
    return this.node.libp2p.getMultiaddrs().map(String);
  }

  /** Peer ids of the nodes this one is connected to. */
  peers(): string[] {
    if (this.closed) return [];
    return this.node.libp2p.getPeers().map(String);
  }

  /** Peer ids in this node's gossipsub mesh on its pubsub topic: the peers a message reaches at once. */
  meshPeers(): string[] {
    if (this.closed) return [];
    return this.node.relay.getMeshPeers(this.pubsubTopic);
  }

  /** Connects to a peer by multiaddr (with its `/p2p/<peer id>`). Errors: E_BRIDGE_CONNECT_FAILED, E_BRIDGE_CLOSED, the signal's reason. */
  async dial(multiaddr: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.closed) throw closedError("relay", "dial");
    options.signal?.throwIfAborted();
    const dialing = this.node.dial(multiaddr, [this.waku.relayProtocol]).then(
      () => undefined,
      (error: unknown) => {
        throw this.closed
          ? closedError("relay", "dial")
          : connectFailed(`dial to ${multiaddr} failed: ${String(error)}: check the address and that the peer runs`, error, { multiaddr });
      },
    );
    await this.untilClosed(dialing, "dial", options.signal);
    this.log.debug({ multiaddr }, "dialled");
  }

  /**
   * Resolves once `count` peers are in this node's mesh on its pubsub topic (so a message published
   * here reaches them, and they forward it). Waits on gossipsub's heartbeats and subscription
   * changes, never on a timer. Errors: a RangeError for a count that is no whole number of at least
   * 0, E_BRIDGE_CLOSED (closed before or during), the signal's reason.
   */
  async waitForPeers(options: WaitForPeersOptions = {}): Promise<void> {
    const count = options.count ?? 1;
    // NaN, a fraction or Infinity is no mesh size it could ever reach: it would wait forever.
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`waitForPeers count must be a whole number of at least 0, got ${String(count)}`);
    if (this.closed) throw closedError("relay", "waitForPeers");
    options.signal?.throwIfAborted();
    if (this.meshPeers().length >= count) return;
    const events = this.node.relay.gossipSub;
    let check!: () => void;
    const waiting = new Promise<void>((resolve) => {
      check = () => {
        if (this.meshPeers().length >= count) resolve();
      };
    });
    events.addEventListener("gossipsub:heartbeat", check);
    events.addEventListener("subscription-change", check);
    try {
      await this.untilClosed(waiting, "waitForPeers", options.signal);
    } finally {
      events.removeEventListener("gossipsub:heartbeat", check);
      events.removeEventListener("subscription-change", check);
    }
  }

  /**
   * `pending` (a call into js-waku), or the signal's reason as soon as it fires, or E_BRIDGE_CLOSED
   * as soon as close() begins, whatever js-waku does: a send or a wait it never settles does not
   * hold the caller. js-waku's promise is left to settle on its own; no listener stays behind.
   */
  private async untilClosed<T>(pending: Promise<T>, call: string, signal: AbortSignal | undefined): Promise<T> {
    let fail!: () => void;
    const closed = new Promise<never>((_, reject) => {
      fail = () => reject(closedError("relay", call));
    });
    this.waiters.add(fail);
    try {
      return await raceAbort(Promise.race([pending, closed]), signal);
    } finally {
      this.waiters.delete(fail);
    }
  }

  async publish(contentTopic: string, payload: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    checkPublish("relay", this.closed, contentTopic, payload, this.maxPayloadBytes, options.signal);
    const message = { payload: copyBytes(payload), timestamp: this.nextTimestamp() };
    // Handed to the node after the caller's turn: an abort or a close in that turn wins.
    await Promise.resolve();
    if (this.closed) throw closedError("relay", "publish");
    options.signal?.throwIfAborted();
    // js-waku 0.0.27's send never waits on the network (gossipsub and mplex queue the bytes for a
    // peer that stops reading), but an abort or a close ends the call whatever a js-waku send does:
    // the message may still go out after it.
    const sending = this.node.relay.send(this.encoderFor(contentTopic), message).catch((error: unknown) => {
      if (this.closed) throw closedError("relay", "publish");
      throw this.publishFailed(contentTopic, String(error), error);
    });
    const result = await this.untilClosed(sending, "publish", options.signal);
    if (result.failures.length > 0) {
      const reasons = result.failures.map((f) => f.error);
      throw this.publishFailed(contentTopic, reasons.join(", "), result.failures);
    }
    return { recipients: result.successes.filter((peer) => peer.toString() !== this.peerId).length };
  }

  async subscribe(contentTopic: string, handler: WakuMessageHandler): Promise<Unsubscribe> {
    checkSubscribe("relay", this.closed, contentTopic, handler);
    let active = true;
    const decoder = this.waku.createDecoder(contentTopic, this.shard);
    const stop = await this.node.relay.subscribeWithUnsubscribe([decoder], (decoded) => {
      if (!active || this.closed) return;
      const timestamp = decoded.timestamp;
      deliverTo(handler, { contentTopic: decoded.contentTopic, payload: decoded.payload, ...(timestamp === undefined ? {} : { timestamp }) }, this.log);
    });
    const end = (): void => {
      if (!active) return;
      active = false;
      this.subscriptions.delete(end);
      stop();
    };
    this.subscriptions.add(end);
    return async () => end();
  }

  /** Ends the subscriptions, stops the node and frees its sockets and timers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    for (const end of [...this.subscriptions]) end();
    for (const fail of [...this.waiters]) fail();
    const node = this.node;
    // js-waku 0.0.27: KeepAliveManager.stopAll() iterates Object.values of a Map (always []), so the
    // 300 s ping intervals of each connected peer stay armed after stop(): stop them peer by peer.
    for (const peer of node.libp2p.getPeers()) {
      try {
        node.connectionManager.keepAliveManager?.stop(peer);
      } catch (error) {
        this.log.debug({ err: error }, "keep-alive stop failed");
      }
    }
    try {
      await node.stop();
    } catch (error) {
      this.log.warn({ err: error }, "the relay node did not stop cleanly");
    }
    // ConnectionManager keeps every instance in a static map by peer id: drop this node's.
    const instances = (node.connectionManager.constructor as { instances?: Map<string, unknown> }).instances;
    instances?.delete(this.peerId);
    this.encoders.clear();
    this.log.debug({ peerId: this.peerId }, "relay node stopped");
  }

  /** Milliseconds, strictly increasing per transport: gossipsub's message id is sha256 of the message, timestamp included, so the same payload twice in one millisecond would be one message. */
  private nextTimestamp(): Date {
    const t = Math.max(this.now(), this.lastTimestamp + 1);
    this.lastTimestamp = t;
    return new Date(t);
  }

  private encoderFor(contentTopic: string): unknown {
    let encoder = this.encoders.get(contentTopic);
    if (encoder === undefined) {
      encoder = this.waku.createEncoder({ contentTopic, pubsubTopicShardInfo: this.shard });
      this.encoders.set(contentTopic, encoder);
    }
    return encoder;
  }

  private publishFailed(contentTopic: string, reason: string, cause: unknown): BridgeError {
    this.log.warn({ contentTopic, reason }, "relay publish failed");
    return new BridgeError("E_BRIDGE_PUBLISH_FAILED", `the relay node did not send the message on ${contentTopic}: ${reason}: retry; check the node's connections`, {
      cause,
      details: { contentTopic, reason },
    });
  }
}
