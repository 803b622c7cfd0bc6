/**
 * A node, or a proxy or gateway in front of it, that answers an error by quoting the request (a
 * debug echo, a WAF's "request rejected" page in plain text, a 401 repeating the header it refused)
 * hands back the Basic credentials the backend sent from the URL's user:password@. The error's
 * message and details quote the body: they went to the CLI's stderr, into the journal's last_error
 * and into any log of the error. What the backend sent must not come back in them, in any form.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { LogCapture } from "../support/log-capture.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { storageError } from "./codex-fixtures.js";

const USER = "status";
const PASSWORD = "hunter2-rotates-weekly";
const TOKEN = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");

/** A node that answers `status` to every call, quoting what `echo` makes of the request. */
async function echoingNode(status: number, echo: (authorization: string) => string): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(echo(req.headers.authorization ?? ""));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function expectNoCredentials(text: string): void {
  for (const form of [TOKEN, `${USER}:${PASSWORD}`, PASSWORD, encodeURIComponent(PASSWORD), TOKEN.slice(0, 12)]) {
    expect(text.includes(form), `${form} in ${text.slice(0, 300)}`).toBe(false);
  }
}

describe("Codex backend: an error answer that quotes the request's credentials", () => {
  test.each([
    ["a 400 echoing the Authorization header", 400, "E_BACKEND_REJECTED", (auth: string) => `bad request; headers: authorization=${auth} accept=*/*`],
    ["a 401 repeating the credentials it refused, decoded", 401, "E_BACKEND_REJECTED", () => `user ${USER}:${PASSWORD} unknown`],
    ["a 403 quoting the password alone", 403, "E_BACKEND_REJECTED", () => `password '${PASSWORD}' is expired`],
    // The message shows the first 200 characters of a body: a cut there must not leave the token's start.
    ["a 500 whose echo the message's excerpt cuts inside the token", 500, "E_BACKEND_HTTP", (auth: string) => `${"x".repeat(190)} ${auth}`],
  ] as const)("%s: neither the message nor the details hold them; the rest of the body still reads", async (_, status, code, echo) => {
    const port = await echoingNode(status, echo);
    const backend = createCodexBackend({ url: `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    const error = await storageError(backend.space(), code);
    expectNoCredentials(error.message);
    expectNoCredentials(JSON.stringify(error.toJSON()));
    expect(error.message).toContain(`HTTP ${status}`);
    if (status === 400) expect(error.message).toContain("accept=*/*");
  });
});

test("a 200 answer that is not JSON and quotes them: neither the error nor a log of it (its cause included) holds them", async () => {
  // JSON.parse's message quotes about ten characters around where it stopped: all of a short password.
  const port = await echoingNode(200, () => `{"quotaMaxBytes": ${PASSWORD}}`);
  const backend = createCodexBackend({ url: `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, requestTimeoutMs: 2000 });
  onTestFinished(() => backend.close());
  const error = await storageError(backend.space(), "E_BACKEND_HTTP");
  expect(error.message).toMatch(/not JSON/);
  const out = new LogCapture();
  createLogger({ level: "info", destination: out }).error({ err: error }, "space failed");
  const written = out.text + error.message + String((error.cause as Error | undefined)?.message);
  expectNoCredentials(written);
  expect(written).not.toContain(PASSWORD.slice(0, 7));
});

test("file put to such a node: stdout, stderr at trace level and the --metrics file hold no form of them", async () => {
  const port = await echoingNode(400, (auth) => `rejected: authorization=${auth}`);
  const dir = tempDir();
  const file = join(dir, "notes.txt");
  writeFileSync(file, "a file to share\n");
  const metrics = join(dir, "put.prom");
  const run = await runCliInProcess(
    ["file", "put", file, "--codex-url", `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, "--home", join(dir, "home"), "--attempts", "1", "--metrics", metrics],
    { ...process.env, STATUS_COMPAT_LOG_LEVEL: "trace" },
  );
  expect(run.code).toBe(5);
  expect(run.stderr).toContain("rejected: authorization=Basic [credentials]");
  expectNoCredentials(run.stdout + run.stderr + readFileSync(metrics, "utf8"));
});
