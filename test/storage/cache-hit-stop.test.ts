/**
 * A cache hit is hashed again on the hashing worker before it is served. A file of its own: the
 * worker must be this client's alone (another test's backend left open would keep it running).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { codexSetup } from "./codex-fixtures.js";
import { KiB, startClient } from "./support/client-fixture.js";

describe("a cache hit when the client stops", () => {
  test("stop() while a cache hit is being checked: its fetch settles as stopped (E_CLIENT_CLOSED) or served, never as an internal error", async () => {
    // A Codex node holds no hashing worker of its own: the client's stop() is the last release, which stops the worker.
    const { backend } = await codexSetup();
    const sender = await startClient({ backend });
    const ref = (await sender.client.share({ bytes: randomBytes(8 * 1024 * KiB), fileName: "big.bin" }).done).reference;
    const receiver = await startClient({ backend });
    await receiver.client.fetch(ref).done;
    await sender.client.stop();
    const hit = receiver.client.fetch(ref).done.then(
      (r) => (r.fromCache ? "served" : "fetched"),
      (e: { code?: string }) => e.code,
    );
    await receiver.client.stop();
    const outcome = await hit;
    expect(["served", "E_CLIENT_CLOSED"]).toContain(outcome);
  });
});
