/**
 * A light endpoint behind a reverse proxy whose body limit is below the client's pieces (nginx's
 * default client_max_body_size is 1 MiB; the default piece is 4 MiB) answers every upload 413 with
 * its own HTML page. The error said the node "refused put (HTTP 413, an HTML page); retrying will
 * not help": true, but nothing said what to change. It now names the piece's size and the fix (the
 * proxy's body limit, or a smaller pieceSize); still E_BACKEND_REJECTED, the next endpoint tried.
 */
import { describe, expect, test } from "vitest";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { codexSetup, pattern, storageError } from "./codex-fixtures.js";

const NGINX_413 = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

describe("Codex backend: an upload refused as too large by a proxy in front of the node", () => {
  test("413 names the upload's size and what to change, and goes to the next endpoint", async () => {
    const { server, backend } = await codexSetup();
    server.inject("upload", { kind: "status", status: 413, body: NGINX_413, early: true });
    const error = await storageError(backend.put(pattern(300_000)), "E_BACKEND_REJECTED");
    expect(classifyFailure(error)).toBe("next-endpoint");
    expect(error.message).toContain("300000 bytes");
    expect(error.message).toMatch(/body size limit/);
    expect(error.message).toMatch(/pieceSize/);
  });
});
