/**
 * Figures for docs/bridge.md and bench/RESULTS.md ("## bridge"): what a js-waku relay transport
 * costs on this machine. `npx tsx scripts/bridge-relay-measure.ts [rounds]` prints one JSON line:
 * - rssBeforeMiB / rssOneNodeMiB: this process before js-waku is imported and once it holds one
 *   started relay node (the first start includes the lazy import);
 * - firstStartMs (import included), startMs (median of later starts);
 * - meshMs: dial + waitForPeers on both sides, two nodes, with heartbeatIntervalMs 100 and with
 *   gossipsub's default 1000 (median over `rounds` pairs);
 * - latencyMs: median of 50 one-message publish → other node's handler times.
 * Nothing here is asserted: figures only (docs/CONTRIBUTING.md, Benchmarks).
 */
import { createRelayTransport, type RelayTransport } from "../src/bridge/transports/relay.js";

const rounds = Number(process.argv[2] ?? 5);
const now = (): number => performance.now();
const mib = (): number => process.memoryUsage().rss / 2 ** 20;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round1 = (x: number): number => Math.round(x * 10) / 10;

const rssBeforeMiB = mib();
let t = now();
const first = await createRelayTransport();
const firstStartMs = now() - t;
const rssOneNodeMiB = mib();

const starts: number[] = [];
async function start(heartbeatIntervalMs: number): Promise<RelayTransport> {
  const s = now();
  const node = await createRelayTransport({ heartbeatIntervalMs });
  starts.push(now() - s);
  return node;
}

async function meshTimes(heartbeatIntervalMs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [a, b] = [await start(heartbeatIntervalMs), await start(heartbeatIntervalMs)];
    const signal = AbortSignal.timeout(30_000);
    const s = now();
    await b.dial(a.multiaddrs()[0]!, { signal });
    await Promise.all([a.waitForPeers({ signal }), b.waitForPeers({ signal })]);
    times.push(now() - s);
    await Promise.all([a.close(), b.close()]);
  }
  return times;
}

const mesh100 = await meshTimes(100);
const mesh1000 = await meshTimes(1000);

const [a, b] = [await start(100), await start(100)];
await b.dial(a.multiaddrs()[0]!);
await Promise.all([a.waitForPeers(), b.waitForPeers()]);
const CT = "/bridge-measure/1/latency/proto";
let wake: () => void = () => undefined;
await b.subscribe(CT, () => wake());
const latencies: number[] = [];
for (let i = 0; i < 50; i++) {
  const arrived = new Promise<void>((r) => (wake = r));
  t = now();
  await a.publish(CT, new TextEncoder().encode(`ping ${i}`));
  await arrived;
  latencies.push(now() - t);
}
await Promise.all([a.close(), b.close(), first.close()]);

process.stdout.write(
  `${JSON.stringify({
    node: process.version,
    load: (await import("node:os")).loadavg().map(round1),
    rssBeforeMiB: round1(rssBeforeMiB),
    rssOneNodeMiB: round1(rssOneNodeMiB),
    firstStartMs: round1(firstStartMs),
    startMs: round1(median(starts)),
    meshMs100: { median: round1(median(mesh100)), min: round1(Math.min(...mesh100)), max: round1(Math.max(...mesh100)) },
    meshMs1000: { median: round1(median(mesh1000)), min: round1(Math.min(...mesh1000)), max: round1(Math.max(...mesh1000)) },
    latencyMs: { median: round1(median(latencies)), p90: round1([...latencies].sort((x, y) => x - y)[44]!) },
  })}\n`,
);
