/**
 * A hotel's or an airport's Wi-Fi before its sign-in: a captive portal answers every https
 * connection itself, with its own certificate (which cannot verify for the endpoint's address), and
 * every request with a redirect to its login page. The backend reported the certificate as
 * E_BACKEND_REJECTED, "fix the endpoint's certificate or its URL, retrying will not help": never
 * retried there, so a phone's share through its one endpoint failed for good, although it goes
 * through once the user signs in. A certificate that does not verify is now a transient network
 * error (E_BACKEND_UNREACHABLE) whose message says the network may need a sign-in, retried like a
 * refused connection; the trust decision is unchanged (nothing is sent over such a connection).
 *
 * Real TLS on 127.0.0.1: certificates made by openssl (a real child process); the share runs in a
 * child process that trusts the test's CA (NODE_EXTRA_CA_CERTS is read only at start).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { storageError } from "./codex-fixtures.js";

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** The portal's own certificate (self-signed, for its login host) and a CA-signed one for 127.0.0.1 (the endpoint's). */
function certificates(): { ca: string; portal: { key: Buffer; cert: Buffer }; endpoint: { key: Buffer; cert: Buffer } } {
  const dir = tempDir("scc-portal-");
  openssl(dir, ["req", "-x509", ...EC, "-days", "2", "-subj", "/CN=login.hotel-wifi.example", "-addext", "subjectAltName=DNS:login.hotel-wifi.example", "-keyout", "portal.key", "-out", "portal.pem"]);
  openssl(dir, ["req", "-x509", ...EC, "-days", "2", "-subj", "/CN=status-compat test CA", "-keyout", "ca.key", "-out", "ca.pem"]);
  openssl(dir, ["req", "-new", ...EC, "-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "leaf.csr"]);
  writeFileSync(join(dir, "leaf.ext"), "subjectAltName = IP:127.0.0.1\n");
  openssl(dir, ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "leaf.ext", "-out", "cert.pem"]);
  const read = (name: string): Buffer => readFileSync(join(dir, name));
  return { ca: join(dir, "ca.pem"), portal: { key: read("portal.key"), cert: read("portal.pem") }, endpoint: { key: read("key.pem"), cert: read("cert.pem") } };
}

const LOGIN = "https://login.hotel-wifi.example/portal?session=8f3a9c&mac=aa:bb:cc:dd:ee:ff";

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe("an https endpoint behind a captive portal", () => {
  test("the portal's certificate is a retryable E_BACKEND_UNREACHABLE that says the network may need a sign-in, and shows no credentials", async () => {
    const { portal } = certificates();
    let requests = 0;
    const server = createHttpsServer(portal, (_req, res) => {
      requests++;
      res.writeHead(302, { location: LOGIN, "content-type": "text/html" });
      res.end(`<a href="${LOGIN}">Sign in to Hotel Wi-Fi</a>`);
    });
    const port = await listen(server);
    const backend = createCodexBackend({ url: `https://status:s3cret-pw@127.0.0.1:${port}`, requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    const error = await storageError(backend.put(Buffer.alloc(100, 1)), "E_BACKEND_UNREACHABLE");
    expect(error.retryable).toBe(true);
    expect(classifyFailure(error)).toBe("retry");
    expect(error.message).toMatch(/sign.in/i);
    expect(error.message).not.toMatch(/retrying will not help/);
    expect(error.message).not.toContain("s3cret-pw");
    expect(error.message).not.toContain("session=8f3a9c");
    expect(error.details).toMatchObject({ errno: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    // Nothing went over the unverified connection.
    expect(requests).toBe(0);
  });

  test("a portal that answers plain http where TLS was expected: a retryable E_BACKEND_UNREACHABLE saying so on one line, not OpenSSL's record dump", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(302, { location: LOGIN });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const backend = createCodexBackend({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    const error = await storageError(backend.space(), "E_BACKEND_UNREACHABLE");
    expect(classifyFailure(error)).toBe("retry");
    expect(error.message).toMatch(/sign.in/i);
    expect(error.message).toMatch(/plain http/);
    expect(error.message).not.toMatch(/\n|ssl3_get_record|openssl/);
    expect(error.details).toMatchObject({ errno: "EPROTO" });
  });

  test("a share through the one endpoint goes through once the user signed in (the portal steps aside), instead of failing for good", async () => {
    const { ca, portal, endpoint } = certificates();
    const node = await startCodexTestServer();
    onTestFinished(() => node.close());
    // The endpoint's https front, forwarding to the node; the portal's certificate until "sign-in".
    const front = createHttpsServer(portal, (req, res) => {
      const upstream = httpRequest({ host: "127.0.0.1", port: node.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    let portalConnections = 0;
    front.on("connection", () => {
      // The user signs in after the client met the portal twice.
      if (++portalConnections === 2) front.setSecureContext(endpoint);
    });
    const port = await listen(front);
    const saved = process.env["NODE_EXTRA_CA_CERTS"];
    process.env["NODE_EXTRA_CA_CERTS"] = ca;
    let result;
    try {
      result = await runScript("test/storage/support/portal-share-child.ts", [`https://127.0.0.1:${port}`, tempDir("scc-portal-client-")]);
    } finally {
      if (saved === undefined) delete process.env["NODE_EXTRA_CA_CERTS"];
      else process.env["NODE_EXTRA_CA_CERTS"] = saved;
    }
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout), result.stdout).toMatchObject({ ok: true, pieces: 1 });
    expect(portalConnections).toBeGreaterThanOrEqual(2);
    expect(node.stats.uploads).toBe(1);
  }, 60_000);
});
