/**
 * A light client (or a full one with fallbacks) given the same endpoint twice took it: a settings
 * list that names a node once as `https://node.example/` and once as `https://NODE.example:443`
 * (or the same backend object twice) made two endpoints of one node. Failover then "moved on" to
 * the node that had just failed, a piece retried there as if elsewhere, and the failure memory
 * (one digest per location) kept one line for both. Such a list is refused by the constructor with
 * E_UNSUPPORTED naming the option and both entries, as the other option checks do.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import type { StorageBackend } from "../../src/storage/backend.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function paths() {
  const dir = tempDir();
  return { statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data") };
}

function light(endpoints: StorageBackend[]): unknown {
  return thrown(() => new StorageClient({ protocol: 3, mode: "light", endpoints, ...paths() } as StorageClientOptions));
}

const codex = (url: string) => createCodexBackend({ url });

describe("the same endpoint given twice", () => {
  test.each([
    ["the same URL", "http://127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["a trailing slash", "http://127.0.0.1:8080", "http://127.0.0.1:8080/"],
    ["the default port spelled out", "https://node.example", "https://node.example:443/"],
    ["an upper-case host", "http://node.example:8080", "http://NODE.Example:8080"],
    ["the node's URL and its API's server URL", "http://127.0.0.1:8080", "http://127.0.0.1:8080/api/codex/v1"],
    ["other credentials for one node", "https://a:x@node.example", "https://b:y@node.example"],
  ])("light mode, %s: E_UNSUPPORTED naming endpoints and both entries, from the constructor", (_label, first, second) => {
    const error = light([codex("http://127.0.0.1:9999"), codex(first), codex(second)]);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints", entries: ["endpoints[1]", "endpoints[2]"] } });
    expect((error as Error).message).toMatch(/^storage client option endpoints names one endpoint twice: endpoints\[1\] and endpoints\[2\] are both https?:\/\/[a-z0-9.:]+; list each node once/);
    // No credential in the message.
    expect((error as Error).message).not.toMatch(/a:x|b:y/);
  });

  test("the same backend object twice is refused so", () => {
    const one = codex("http://127.0.0.1:8080");
    expect(light([one, one])).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints", entries: ["endpoints[0]", "endpoints[1]"] } });
  });

  test("full mode: a fallback that is the backend itself is refused naming backend and the entry", () => {
    const dir = tempDir();
    const error = thrown(
      () =>
        new StorageClient({
          protocol: 3,
          backend: codex("http://127.0.0.1:8080"),
          endpoints: [codex("http://127.0.0.1:8080/")],
          ...paths(),
          dataDir: join(dir, "data"),
        } as StorageClientOptions),
    );
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints", entries: ["backend", "endpoints[0]"] } });
  });

  test("different nodes are taken: another port, another host, another path below one host (a proxy's two mounts)", async () => {
    for (const list of [
      ["http://127.0.0.1:8080", "http://127.0.0.1:8081"],
      ["http://127.0.0.1:8080", "http://localhost:8080"],
      ["https://proxy.example/a", "https://proxy.example/b"],
    ]) {
      expect(light(list.map(codex))).toBeUndefined();
    }
  });

  test("nodes a proxy mounts below one host by apiPrefix are different nodes; one node under both API prefixes is one", () => {
    const under = (apiPrefix: string) => createCodexBackend({ url: "https://proxy.example", apiPrefix });
    expect(light([under("/n1/api/codex/v1"), under("/n2/api/codex/v1")])).toBeUndefined();
    expect(light([under("/n1/api/codex/v1"), under("/n1/api/storage/v1")])).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints", location: "https://proxy.example/n1" } });
    expect(light([under("/api/storage/v1"), codex("https://proxy.example")])).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpoints", location: "https://proxy.example" } });
  });

  test("full mode with distinct fallbacks starts as before", async () => {
    const dir = tempDir();
    const client = new StorageClient({
      protocol: 3,
      backend: localStore(join(dir, "store")),
      endpoints: [codex("http://127.0.0.1:9")],
      statePath: join(dir, "s.sqlite"),
      dataDir: join(dir, "data"),
      renewEveryMs: 0,
    });
    await client.start();
    await client.stop();
  });
});
