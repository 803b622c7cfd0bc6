/**
 * A process that does not run for a while (a machine too busy to schedule it, a phone that froze
 * the app in the background) finds, when it runs again, both its stall deadlines due and bytes
 * waiting in its sockets. Node runs due timers before it reads sockets, so a deadline that expired
 * at once cut a transfer whose bytes had in fact come in. Both stall deadlines (the Codex backend's
 * per-gap Deadline and the attempt timeout's linkedSignal) now look again once the sockets were
 * read: bytes that came during the freeze are progress; a transfer with nothing waiting is cut.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { describe, expect, test } from "vitest";
import { Deadline } from "../../src/storage/backends/codex/deadline.js";
import { linkedSignal } from "../../src/storage/retry/linked-signal.js";

const GAP_MS = 50;

/** A loopback connection: the server's end and the client's. */
async function socketPair(finished: (fn: () => void) => void): Promise<{ server: Socket; client: Socket }> {
  const listener: Server = createServer();
  const accepted = new Promise<Socket>((resolve) => listener.once("connection", resolve));
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", () => resolve()));
  const client = connect((listener.address() as { port: number }).port, "127.0.0.1");
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const server = await accepted;
  finished(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { server, client };
}

/** The process does not run for `ms` (this thread busy: no timer fires, no socket is read). */
function freeze(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // frozen
  }
}

/**
 * The server sends a chunk and the process freezes past the gap before it reads it; then silence.
 * `watch.arm` is the stall deadline's progress. Resolves with what happened, in order, once the
 * deadline expired.
 */
async function freezeThenSilence(client: Socket, server: Socket, watch: { arm: () => void; expired: Promise<void> }): Promise<string[]> {
  const seen: string[] = [];
  client.on("data", (chunk: Buffer) => {
    seen.push(`data ${chunk.toString()}`);
    watch.arm();
  });
  watch.arm();
  server.write("a");
  freeze(GAP_MS * 3);
  await watch.expired;
  seen.push("expired");
  return seen;
}

describe("a stall deadline after the process did not run for longer than the gap", () => {
  test("the Codex backend's Deadline counts the bytes that came in meanwhile, and expires once nothing more comes", async ({ onTestFinished }) => {
    const { server, client } = await socketPair(onTestFinished);
    let expire!: () => void;
    const expired = new Promise<void>((resolve) => (expire = resolve));
    const deadline = new Deadline(() => expire());
    onTestFinished(() => deadline.stop());
    const seen = await freezeThenSilence(client, server, { arm: () => deadline.arm(GAP_MS), expired });
    expect(seen).toEqual(["data a", "expired"]);
  });

  test("the attempt timeout's linkedSignal, touched by progress, does the same", async ({ onTestFinished }) => {
    const { server, client } = await socketPair(onTestFinished);
    const link = linkedSignal(undefined, GAP_MS, "the test transfer");
    onTestFinished(() => link.dispose());
    const expired = new Promise<void>((resolve) => link.signal.addEventListener("abort", () => resolve(), { once: true }));
    const seen = await freezeThenSilence(client, server, { arm: () => link.touch(), expired });
    expect(seen).toEqual(["data a", "expired"]);
    expect((link.signal.reason as DOMException).message).toBe(`the test transfer made no progress for ${GAP_MS} ms`);
  });
});
