/** The compliance suite on the embedded local backend (a fresh directory per test). */
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import type { StorageBackend } from "../../src/storage/backend.js";
import { tempDir } from "../support/temp-dir.js";
import { backendCompliance } from "./backend-compliance.js";

let backend: StorageBackend;
backendCompliance("local backend", {
  async setup() {
    backend = createLocalBackend({ dir: tempDir("scc-local-compliance-") });
    return { backend };
  },
  async teardown() {
    await backend.close();
  },
});
