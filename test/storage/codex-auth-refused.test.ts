/**
 * An endpoint behind a reverse proxy that wants HTTP Basic auth (the SDK's, and this backend's
 * `user:password@` in the URL) answers 401 when the URL carries no credentials or wrong ones (a
 * password rotated on the gateway). The error said only that the node "refused … retrying will not
 * help"; it now says the endpoint wants credentials and whether the URL carried any, without ever
 * showing them. Still E_BACKEND_REJECTED (the next endpoint is tried).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { storageError } from "./codex-fixtures.js";

async function gateway(): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(401, { "www-authenticate": 'Basic realm="codex"', "content-type": "text/plain" });
    res.end("Unauthorized");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe("Codex backend: an endpoint that wants HTTP Basic auth", () => {
  test.each([
    ["no credentials in the URL", "", /carries none/],
    ["wrong credentials in the URL", "status:old-s3cret@", /were refused/],
  ])("%s: E_BACKEND_REJECTED saying so, never showing them", async (_, credentials, says) => {
    const port = await gateway();
    const backend = createCodexBackend({ url: `http://${credentials}127.0.0.1:${port}`, requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    const error = await storageError(backend.space(), "E_BACKEND_REJECTED");
    expect(classifyFailure(error)).toBe("next-endpoint");
    expect(error.message).toMatch(/credentials/);
    expect(error.message).toMatch(says);
    expect(error.message).not.toContain("old-s3cret");
  });
});
