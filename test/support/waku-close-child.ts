/**
 * A child process for test/bridge/relay-transport.test.ts: starts two relay transports, relays a
 * message, closes both, then reports (one JSON line) every timer still armed for more than a second (libp2p's 1 s address debounce ends by itself)
 * and ends by itself. It never calls process.exit: the test checks that it ends by itself
 * (js-waku 0.0.27 leaves 300 s keep-alive intervals and 5 s stream timers armed unless the
 * transport clears them).
 */
import { createHook } from "node:async_hooks";
import { startRelayNodes } from "./waku-nodes.js";

interface TimerResource {
  _idleTimeout?: number;
  _destroyed?: boolean;
  hasRef?: () => boolean;
}

const timers = new Map<number, TimerResource>();
const hook = createHook({
  init(id, type, _trigger, resource) {
    if (type === "Timeout") timers.set(id, resource as TimerResource);
  },
  destroy(id) {
    timers.delete(id);
  },
});
hook.enable();

const CT = "/bridge-test/1/close-child/proto";
const nodes = await startRelayNodes(2);
let delivered = 0;
for (const t of nodes.transports) await t.subscribe(CT, () => void delivered++);
await nodes.transports[0]!.publish(CT, new TextEncoder().encode("before close"));
const deadline = Date.now() + 20_000;
while (delivered < 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
await nodes.close();
hook.disable();

const longTimers = [...timers.values()]
  .filter((t) => t._destroyed !== true && (t.hasRef?.() ?? true) && (t._idleTimeout ?? 0) > 1_000)
  .map((t) => `${t._idleTimeout} ms`);
process.stdout.write(`${JSON.stringify({ delivered, longTimers })}\n`);
// Its sockets and servers close within a few turns after stop() resolves; the process then ends by
// itself, which the test waits for (a socket, server or armed timer left behind would hold it).
