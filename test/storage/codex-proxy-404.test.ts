/**
 * A 404 on get or manifest is the node's "The requested CID could not be retrieved (…)" (plain
 * text): E_NOT_FOUND, the content is gone (the docs' advice: the sender may be gone past the TTL).
 * A reverse proxy in front of the node that does not route the API path (a wrong location block, a
 * URL path the proxy does not forward) answers 404 with its own HTML page, and that read as
 * E_NOT_FOUND too: every fetch through that endpoint said the file was gone when the endpoint's URL
 * or proxy was wrong. Such a page is now E_BACKEND_REJECTED, naming the path and the prefixes.
 */
import { describe, expect, test } from "vitest";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { codexSetup, collect, pattern, storageError } from "./codex-fixtures.js";

const NGINX_404 = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

describe("Codex backend: a 404 page from a proxy in front of the node", () => {
  test("is E_BACKEND_REJECTED (the endpoint's URL or proxy is wrong), not E_NOT_FOUND (the content is fine)", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(1000));
    for (const [route, call] of [
      ["download", async () => collect((await backend.get(cid)).body)],
      ["manifest", () => backend.manifest(cid)],
    ] as const) {
      server.inject(route, { kind: "status", status: 404, body: NGINX_404 });
      const error = await storageError(call, "E_BACKEND_REJECTED");
      expect(error.message).toMatch(/apiPrefix/);
      expect(classifyFailure(error)).toBe("next-endpoint");
    }
    // The node's own 404 stays E_NOT_FOUND.
    server.inject("download", { kind: "status", status: 404, body: "The requested CID could not be retrieved (Block not found)." });
    await storageError(async () => collect((await backend.get(cid)).body), "E_NOT_FOUND");
  });
});
