/**
 * A captive portal over plain http (a hotel's or an airport's Wi-Fi before its sign-in) answers
 * every request with its login page as a 200. Every call but delete refused such a page (a node
 * answers text/plain, JSON or 204, never HTML: E_BACKEND_HTTP, retried, saying the network may want
 * a sign-in, as docs/codex-backend.md says "for any call"); delete took it as done: it resolved,
 * though the request never reached the node, whose copy stayed. It now fails as the others do.
 */
import { describe, expect, test } from "vitest";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { proxySetup, storageError } from "./codex-fixtures.js";

const LOGIN = "http://login.hotel-wifi.example/portal?session=8f3a9c77&client_mac=aa:bb:cc:dd:ee:ff";
const PAGE = `<!DOCTYPE html><html><body><a href="${LOGIN}">Sign in to Hotel Wi-Fi</a></body></html>`;

describe("delete through a captive portal's 200 login page", () => {
  test("fails retryably, saying the network may want a sign-in, and the node keeps the content it never heard of", async () => {
    const { proxy, backend, direct } = await proxySetup();
    const cid = await direct.put(Buffer.alloc(5000, 9));
    proxy.script({ kind: "status", status: 200, body: PAGE });

    const error = await storageError(backend.delete(cid), "E_BACKEND_HTTP");
    expect(classifyFailure(error)).toBe("retry");
    expect(error.message).toMatch(/sign.in/i);
    expect(error.message).not.toContain("8f3a9c77");
    expect(await direct.has(cid), "the portal answered; the node never got the delete").toBe(true);

    // Once the way is clear, the delete reaches the node.
    await backend.delete(cid);
    expect(await direct.has(cid)).toBe(false);
  });
});
