import { createConnection, createServer, type Socket } from "node:net";
import { onTestFinished } from "vitest";
import type { FinishedHook } from "../../support/temp-dir.js";

/** What the front does to a request that arrives on a connection idle for its `idleMs`. */
export type IdleFate =
  /** Resets it, as a node whose keep-alive timeout fires just as the request comes. */
  | "reset"
  /** Forwards nothing more either way (nor reads, so the client's writes back up) while both sockets stay open, as a carrier's NAT that dropped it. */
  | "silence";

export interface IdleTcpFront {
  readonly url: string;
  /** Requests that met an idle connection (reset or silenced). */
  tripped(): number;
  /** Connections made to the front. */
  connections(): number;
}

/**
 * A TCP front on 127.0.0.1 for `target` (a Codex test server) that treats a request arriving on a
 * connection idle for `idleMs` after an earlier request as `fate` says; everything else is passed
 * through byte for byte. Closed at the end of the test.
 */
export async function idleTcpFront(target: URL, idleMs: number, fate: IdleFate, finished: FinishedHook = onTestFinished): Promise<IdleTcpFront> {
  let tripped = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections += 1;
    sockets.add(client);
    let lastActivity = performance.now();
    let used = false;
    let silenced = false;
    const upstream = createConnection({ host: "127.0.0.1", port: Number(target.port) });
    sockets.add(upstream);
    client.on("data", (data) => {
      if (silenced) return;
      if (used && performance.now() - lastActivity >= idleMs) {
        tripped += 1;
        if (fate === "reset") {
          client.resetAndDestroy();
          upstream.destroy();
        } else {
          silenced = true;
          client.pause();
        }
        return;
      }
      used = true;
      lastActivity = performance.now();
      upstream.write(data);
    });
    upstream.on("data", (data) => {
      if (silenced) return;
      lastActivity = performance.now();
      client.write(data);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  finished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, tripped: () => tripped, connections: () => connections };
}
