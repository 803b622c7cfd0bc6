/**
 * Light-mode endpoints for tests: Codex backends on a test server (or a fault proxy in front of it),
 * closed when the current test finishes, and a file shared to that server by a full client.
 */
import { onTestFinished } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../../src/storage/backends/codex/index.js";
import { startFaultProxy, type FaultProxy, type ProxyFault } from "../../support/fault-proxy/index.js";
import { codexSetup } from "../codex-fixtures.js";
import { startClient, writeRandomFile } from "./client-fixture.js";

/** A Codex backend at `url` (its header timeout `requestTimeoutMs`), closed with the test. */
export function codexEndpoint(url: string, requestTimeoutMs = 20_000): CodexBackend {
  const backend = createCodexBackend({ url, requestTimeoutMs });
  onTestFinished(() => backend.close());
  return backend;
}

/** A fault proxy in front of `target` that does `fault` to every request, closed with the test. */
export async function alwaysFault(target: string, fault: ProxyFault): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target, faultRate: 1, randomFaults: [fault] });
  onTestFinished(() => proxy.close());
  return proxy;
}

/** A Codex test server holding a random file of `size` bytes, shared by a full client: its reference, bytes and piece count. */
export async function sharedOnCodexNode(size: number, name = "a.bin") {
  const { server, backend: direct } = await codexSetup();
  const sender = await startClient({ backend: direct });
  const { path, bytes } = writeRandomFile(sender.dir, name, size);
  const { reference, view } = await sender.client.share({ path }).done;
  return { server, reference, bytes, pieces: view.pieces.length };
}
