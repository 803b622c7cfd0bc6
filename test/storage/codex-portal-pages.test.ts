/**
 * A captive portal over plain http (a hotel's or an airport's Wi-Fi before its sign-in) answers
 * every request itself: a temporary redirect to its login page, or the login page as a 200. Both
 * were already retryable E_BACKEND_HTTP, but the redirect's message quoted the page, whose links
 * carry the portal's session token and the device's MAC address, into the job's journaled error and
 * the logs; and a page where a CID or JSON was expected read "the body is not JSON", not that the
 * network may want a sign-in. A page is now named, never quoted (its links' queries are left out of
 * details too), and the message says what to do.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { pattern, storageError } from "./codex-fixtures.js";

const LOGIN = "http://login.hotel-wifi.example/portal?session=8f3a9c77&client_mac=aa:bb:cc:dd:ee:ff";
const PAGE = `<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0;url=${LOGIN}"></head><body><a href="${LOGIN}">Sign in to Hotel Wi-Fi</a></body></html>`;

async function portal(answer: "redirect" | "page" | "511"): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    if (answer === "redirect") res.writeHead(302, { location: LOGIN, "content-type": "text/html" });
    // RFC 6585's status for exactly this: "Network Authentication Required".
    else if (answer === "511") res.writeHead(511, { "content-type": "text/html" });
    else res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const CID = "zDvZRwzm1ePSzKSXt57D5YxHwcSDmsCyYN65wW4HT7fuX9HrzFXy";

describe("Codex backend behind a captive portal over http", () => {
  test.each(["redirect", "page", "511"] as const)("a %s: every call fails retryably, saying the network may want a sign-in, quoting nothing of the page", async (answer) => {
    const backend = createCodexBackend({ url: await portal(answer), requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    const calls = [() => backend.put(pattern(1000)), () => backend.has(CID), () => backend.space(), () => backend.manifest(CID), async () => (await backend.get(CID)).body];
    for (const call of calls) {
      const error = await storageError(call, "E_BACKEND_HTTP");
      expect(classifyFailure(error)).toBe("retry");
      for (const secret of ["8f3a9c77", "aa:bb:cc:dd:ee:ff"]) {
        expect(error.message).not.toContain(secret);
        expect(JSON.stringify(error.details)).not.toContain(secret);
      }
      expect(error.message).toMatch(/sign.in/i);
      expect(error.message).toMatch(/HTML page/);
    }
  });
});
