/**
 * A 400 on a call about a CID is the node's "Incorrect Cid" (plain text): E_BAD_CID, the caller's
 * input is wrong (exit 3 "bad input" in the CLI). A reverse proxy in front of the node answers 400
 * with its own HTML page for its own reasons (nginx: "The plain HTTP request was sent to HTTPS
 * port", a header too large), and that read as E_BAD_CID too: the user was told the CID was
 * malformed when the endpoint's URL or proxy was wrong. Such a page is now E_BACKEND_REJECTED.
 */
import { describe, expect, test } from "vitest";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { codexSetup, collect, pattern, storageError } from "./codex-fixtures.js";

const NGINX_400 = "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was sent to HTTPS port</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

describe("Codex backend: a 400 page from a proxy in front of the node", () => {
  test("is E_BACKEND_REJECTED (the endpoint is wrong), not E_BAD_CID (the CID is fine)", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(1000));
    for (const [route, call] of [
      ["download", async () => collect((await backend.get(cid)).body)],
      ["exists", () => backend.has(cid)],
      ["manifest", () => backend.manifest(cid)],
      ["delete", () => backend.delete(cid)],
    ] as const) {
      server.inject(route, { kind: "status", status: 400, body: NGINX_400 });
      const error = await storageError(call, "E_BACKEND_REJECTED");
      expect(error.message).not.toMatch(/malformed/);
      expect(classifyFailure(error)).toBe("next-endpoint");
    }
    // The node's own 400 stays E_BAD_CID.
    server.inject("exists", { kind: "status", status: 400, body: "Incorrect Cid" });
    await storageError(backend.has(cid), "E_BAD_CID");
  });
});
