/**
 * Real js-waku relay transports on 127.0.0.1 for tests: `startRelayNodes(3)` starts three nodes
 * (port 0, no discovery, a 100 ms gossipsub heartbeat), dials each to every other, and waits until
 * each has all the others in its mesh: a message published then reaches every node. Nothing waits
 * on time: the mesh is awaited on gossipsub's own events, with a generous deadline for a loaded
 * CI machine. `close()` stops every node (those a test closed itself too).
 */
import { createRelayTransport, type RelayTransport, type RelayTransportOptions } from "../../src/bridge/transports/relay.js";

export interface RelayNodes {
  readonly transports: readonly RelayTransport[];
  close(): Promise<void>;
}

/** A deadline for starting, dialling and the mesh: far above the ~0.1-0.5 s they take, for a loaded 2-core machine. */
export const RELAY_SETUP_DEADLINE_MS = 25_000;

export async function startRelayNodes(count: number, options: RelayTransportOptions = {}): Promise<RelayNodes> {
  const transports: RelayTransport[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(transports.map((t) => t.close()));
  };
  const signal = AbortSignal.timeout(RELAY_SETUP_DEADLINE_MS);
  try {
    for (let i = 0; i < count; i++) transports.push(await createRelayTransport({ heartbeatIntervalMs: 100, ...options, signal }));
    for (let i = 1; i < count; i++) {
      for (let j = 0; j < i; j++) await transports[i]!.dial(transports[j]!.multiaddrs()[0]!, { signal });
    }
    await Promise.all(transports.map((t) => t.waitForPeers({ count: count - 1, signal })));
  } catch (error) {
    await close();
    throw error;
  }
  return { transports, close };
}
