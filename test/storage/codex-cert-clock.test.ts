/**
 * An https endpoint whose certificate is valid, seen from a device whose clock is wrong (a phone's
 * clock reset after a dead battery, or set years ahead, before network time): TLS says the
 * certificate is not yet valid, or expired. The error told the user to "fix the endpoint's
 * certificate or its URL, retrying will not help", though the certificate was fine and the same
 * share works once the device's date is right. The message now names the device clock.
 *
 * The certificates are made by openssl (a CA and a leaf for 127.0.0.1 whose validity lies wholly in
 * the future or the past); the client runs in a child process that trusts the CA.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";

const DAY = 24 * 60 * 60 * 1000;

/** openssl's ca date form, YYYYMMDDHHMMSSZ. */
function caDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** A CA (trusted by the child) and a leaf for 127.0.0.1 valid only between `from` and `to`. */
function certificates(from: number, to: number): { dir: string; ca: string; key: Buffer; cert: Buffer } {
  const dir = tempDir("scc-cert-");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, ["req", "-x509", ...ec, "-days", "3650", "-subj", "/CN=status-compat test CA", "-keyout", "ca.key", "-out", "ca.pem"]);
  openssl(dir, ["req", "-new", ...ec, "-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "leaf.csr"]);
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "01\n");
  writeFileSync(
    join(dir, "ca.cnf"),
    ["[ca]", "default_ca = test", "[test]", "dir = .", "database = ./index.txt", "new_certs_dir = .", "serial = ./serial", "default_md = sha256", "policy = any", "x509_extensions = leaf", "[any]", "commonName = supplied", "[leaf]", "subjectAltName = IP:127.0.0.1", ""].join("\n"),
  );
  openssl(dir, ["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "leaf.csr", "-out", "cert.pem", "-startdate", caDate(from), "-enddate", caDate(to)]);
  return { dir, ca: join(dir, "ca.pem"), key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
}

async function probe(from: number, to: number): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const { ca, key, cert } = certificates(from, to);
  const server = createServer({ key, cert }, (_req, res) => res.end('{"totalBlocks":0,"quotaMaxBytes":1,"quotaUsedBytes":0,"quotaReservedBytes":0}'));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const saved = process.env["NODE_EXTRA_CA_CERTS"];
  process.env["NODE_EXTRA_CA_CERTS"] = ca;
  try {
    const result = await runScript("test/storage/support/cert-probe.ts", [`https://127.0.0.1:${(server.address() as AddressInfo).port}`]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { code: string; message: string; details: Record<string, unknown> };
  } finally {
    if (saved === undefined) delete process.env["NODE_EXTRA_CA_CERTS"];
    else process.env["NODE_EXTRA_CA_CERTS"] = saved;
  }
}

describe("a certificate that is not valid by the device's clock", () => {
  test.each([
    ["not yet valid (the device clock behind: reset after a dead battery)", 3650 * DAY, 3700 * DAY, "CERT_NOT_YET_VALID"],
    ["expired (the device clock years ahead)", -60 * DAY, -30 * DAY, "CERT_HAS_EXPIRED"],
  ])("%s: the error names the device's date and time, not only the endpoint's certificate", async (_, fromOffset, toOffset, errno) => {
    const now = Date.now();
    const error = await probe(now + fromOffset, now + toOffset);
    // Retryable since codex-captive-portal.test.ts: the clock is put right by network time, or a portal steps aside.
    expect(error).toMatchObject({ code: "E_BACKEND_UNREACHABLE", details: { errno } });
    expect(error.message).toMatch(/date and time/);
    expect(error.message).not.toMatch(/retrying will not help/);
  });
});
