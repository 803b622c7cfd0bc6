/** The compliance suite on the Codex backend against the Codex test server (both API prefixes, and through a pass-through fault proxy). */
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { startCodexTestServer, CODEX_PREFIX, LOGOS_STORAGE_PREFIX, type CodexTestServer } from "../support/codex-server/index.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy/index.js";
import type { StorageBackend } from "../../src/storage/backend.js";
import { backendCompliance } from "./backend-compliance.js";

for (const apiPrefix of [CODEX_PREFIX, LOGOS_STORAGE_PREFIX]) {
  let server: CodexTestServer;
  let backend: StorageBackend;
  backendCompliance(`codex backend on the test server (${apiPrefix})`, {
    async setup() {
      // Serve only this prefix, so a client on the wrong one could not pass by accident.
      server = await startCodexTestServer({ prefixes: [apiPrefix] });
      backend = createCodexBackend({ url: server.url, apiPrefix, requestTimeoutMs: 10_000 });
      return { backend };
    },
    async teardown() {
      await backend.close();
      await server.close();
    },
  });
}

{
  let server: CodexTestServer;
  let proxy: FaultProxy;
  let backend: StorageBackend;
  backendCompliance("codex backend through a fault proxy injecting nothing", {
    async setup() {
      server = await startCodexTestServer();
      proxy = await startFaultProxy({ target: server.url, faultRate: 0 });
      backend = createCodexBackend({ url: proxy.url, requestTimeoutMs: 10_000 });
      return { backend };
    },
    async teardown() {
      await backend.close();
      await proxy.close();
      await server.close();
    },
  });
}
