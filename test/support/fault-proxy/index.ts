/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of any server (typically the Codex test
 * server): TCP resets, truncated bodies, 500/503 with text bodies, delays and hangs, scripted per
 * request or drawn at a seeded random rate, with counters of what it injected.
 *
 * Usage:
 *   const proxy = await startFaultProxy({ target: server.url, faultRate: 0.3, seed: 42 });
 *   const backend = createCodexBackend({ url: proxy.url });
 *   proxy.script({ kind: "reset" }, { kind: "pass" }, { kind: "truncate", afterBytes: 1000 });
 *   ...
 *   proxy.stats.injected   // { reset: 1, truncate: 1, ... }
 *   await proxy.close();
 */
export { startFaultProxy } from "./fault-proxy.js";
export type { FaultProxy, FaultProxyOptions, FaultProxyStats, ProxyFault, ProxyFaultKind, ProxiedRequest } from "./fault-proxy.js";
export { seededRandom } from "./seeded-random.js";
