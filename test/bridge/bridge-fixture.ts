import { join } from "node:path";
import { descriptionStoreOn } from "../../src/bridge/description-store-backend.js";
import type { DescriptionStore } from "../../src/bridge/description-store.js";
import { DescriptionPublisher } from "../../src/bridge/publisher.js";
import { DescriptionReceiver, type ReceivedDescription, type ReceiverOptions } from "../../src/bridge/receiver.js";
import { stateReceiverStore } from "../../src/bridge/receiver-state.js";
import { MemoryNetwork, type MemoryFaultPlan } from "../../src/bridge/transports/memory.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { createMetrics, type Metrics } from "../../src/obs/index.js";
import { openState, type StateHandle } from "../../src/state/index.js";
import { createLocalBackend, DEFAULT_RETRY_POLICY, type RetryPolicy, type StorageBackend } from "../../src/storage/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { seededBytes } from "../support/seeded-bytes.js";
import { tempDir } from "../support/temp-dir.js";

/** No waits between fetch attempts and limits far away: nothing depends on how fast the machine runs. */
export const INSTANT_RETRY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 6, attemptTimeoutMs: 600_000, deadlineMs: 3_600_000 };

export interface BridgePair {
  readonly network: MemoryNetwork;
  readonly publisher: DescriptionPublisher;
  readonly receiver: DescriptionReceiver;
  readonly delivered: ReceivedDescription[];
  readonly dropped: { code: string; reason: string }[];
  readonly metrics: Metrics;
  readonly state: StateHandle;
  readonly backend: StorageBackend;
  readonly store: DescriptionStore;
  /** The community's key (the control node's), for tests that publish as it from elsewhere. */
  readonly secretKey: Uint8Array;
  close(): Promise<void>;
}

export interface PairOptions {
  readonly faults?: MemoryFaultPlan;
  /** Wraps the receiver's store (a store that fails some gets). */
  readonly receiverStore?: (store: DescriptionStore) => DescriptionStore;
  readonly receiver?: Partial<ReceiverOptions>;
  readonly dir?: string;
  /** The community's key (a restart of the same community); a new one otherwise. */
  readonly secretKey?: Uint8Array;
}

/**
 * A control node of release `from` and a member of release `to` on one memory network, sharing a
 * real on-disk local store (standing in for Codex), the member's clock kept in a real SQLite state
 * file at its release's level.
 */
export async function bridgePair(from: string, to: string, options: PairOptions = {}): Promise<BridgePair> {
  const dir = options.dir ?? tempDir("scc-bridge-");
  const network = new MemoryNetwork(options.faults === undefined ? {} : { faults: options.faults });
  const backend = createLocalBackend({ dir: join(dir, "store") });
  const store = descriptionStoreOn(backend);
  const receiverProfile = profileForRelease(to);
  const state = await openState({ path: join(dir, "member.sqlite"), level: receiverProfile.stateLevel });
  const metrics = createMetrics();
  const secretKey = options.secretKey ?? newSecretKey();
  const publisher = new DescriptionPublisher({ profile: profileForRelease(from), transport: network.transport({ name: "control" }), store, secretKey, metrics });
  const delivered: ReceivedDescription[] = [];
  const dropped: { code: string; reason: string }[] = [];
  const receiver = await DescriptionReceiver.start({
    profile: receiverProfile,
    transport: network.transport({ name: "member" }),
    communityId: publisher.communityId,
    store: options.receiverStore?.(store) ?? store,
    held: stateReceiverStore(state),
    retry: INSTANT_RETRY,
    metrics,
    onDescription: (d) => delivered.push(d),
    onDropped: (error, reason) => dropped.push({ code: error.code, reason }),
    ...options.receiver,
  });
  return {
    network,
    publisher,
    receiver,
    delivered,
    dropped,
    metrics,
    state,
    backend,
    store,
    secretKey,
    async close() {
      await receiver.close();
      publisher.close();
      await network.close();
      await backend.close();
      state.close();
    },
  };
}

/** A counter's value for one label set (0 when never incremented). */
export async function counter(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(metrics.prefix + name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
}

/** Description bytes of `size` (opaque to the bridge), different per seed, replayable from it. */
export function descriptionBytes(size: number, seed: number): Uint8Array {
  return seededBytes(Math.imul(seed, 2654435761), size);
}
