/**
 * docs/storage.md, Logging: a closed component writes nothing more. The Codex backend logs each
 * call at debug; a call its close() cut (a download waiting on a node still searching for the
 * block) wrote "codex call failed" E_CLIENT_CLOSED after close() had resolved, in a log the app
 * had already finished with. The call still fails E_CLIENT_CLOSED; the line is no longer written.
 */
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { LogCapture } from "../support/log-capture.js";
import { until } from "../support/until.js";
import { codexSetup } from "./codex-fixtures.js";

const MISSING = "zb2rhfPPuxeFvksrwagL74k3VKfMLkabytj4BHnxLcsUcvmfU";

describe("a Codex backend's debug log after close()", () => {
  test("a download cut by close() fails E_CLIENT_CLOSED and writes no line once close() has resolved", async () => {
    const capture = new LogCapture();
    const { server, backendWith } = await codexSetup();
    // A node still searching its peers for the block never answers.
    server.behaviour.missingContent = "hang";
    const backend = backendWith({ logger: createLogger({ level: "debug", destination: capture }) });
    const got = backend.get(MISSING).then(
      async (result) => {
        for await (const chunk of result.body) void chunk;
        return undefined;
      },
      (error: unknown) => error,
    );
    await until(() => server.stats.requests > 0, "the download on its way");
    await backend.close();
    const closedAt = capture.text.length;
    expect(await got).toMatchObject({ code: "E_CLIENT_CLOSED" });
    // Whatever the cut call still does runs in microtasks: all of them have run before the next macrotask.
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.text.slice(closedAt)).toBe("");
  });
});
