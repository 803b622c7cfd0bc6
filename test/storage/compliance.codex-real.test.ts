/**
 * The compliance suite against a real Codex / Logos Storage node. It is registered only when
 * CODEX_API_URL is set (see codex-real-node-target.ts for the variables); otherwise this file
 * tests the gating and states why the suite is absent. Run it with, for example:
 *
 *   CODEX_API_URL=http://127.0.0.1:8080 CODEX_API_PREFIX=/api/storage/v1 \
 *     npx vitest run test/storage/compliance.codex-real.test.ts
 */
import { describe, expect, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { backendCompliance } from "./backend-compliance.js";
import { isLoopbackHost, realNodeTarget } from "./codex-real-node-target.js";

const target = realNodeTarget(process.env);

describe("real Codex node: whether the suite runs", () => {
  test(target.run ? `registered for ${target.url}${target.apiPrefix}` : `not registered: ${target.reason}`, () => {
    // A set-but-wrong environment fails here instead of silently testing nothing.
    if (!target.run) expect(target.misconfigured, target.reason).toBe(false);
    else expect(isLoopbackHost(new URL(target.url).hostname) || process.env["CODEX_API_ALLOW_REMOTE"] === "1").toBe(true);
  });

  test.each([
    [{}, false, false],
    [{ CODEX_API_URL: "http://127.0.0.1:8080" }, true, false],
    [{ CODEX_API_URL: "http://localhost:8080", CODEX_API_PREFIX: "/api/storage/v1" }, true, false],
    [{ CODEX_API_URL: "http://[::1]:8080" }, true, false],
    [{ CODEX_API_URL: "http://10.0.0.5:8080" }, false, true],
    [{ CODEX_API_URL: "http://10.0.0.5:8080", CODEX_API_ALLOW_REMOTE: "1" }, true, false],
    [{ CODEX_API_URL: "http://127.0.0.1.evil.example:8080" }, false, true],
    [{ CODEX_API_URL: "not a url" }, false, true],
    [{ CODEX_API_URL: "http://127.0.0.1:8080", CODEX_API_PREFIX: "/v1" }, false, true],
    [{ CODEX_API_URL: "http://127.0.0.1:8080", CODEX_API_TIMEOUT_MS: "soon" }, false, true],
  ])("environment %j → runs %s, misconfigured %s", (env, run, misconfigured) => {
    const decided = realNodeTarget(env);
    expect(decided.run).toBe(run);
    if (!decided.run) expect(decided.misconfigured).toBe(misconfigured);
  });
});

if (target.run) {
  let backend: CodexBackend;
  backendCompliance(`real node at ${target.url}${target.apiPrefix}`, {
    async setup() {
      backend = createCodexBackend({ url: target.url, apiPrefix: target.apiPrefix, requestTimeoutMs: target.requestTimeoutMs });
      return { backend };
    },
    async teardown() {
      await backend.close();
    },
    // A node looks for unknown content among its peers and may not say "404" within our deadline.
    missingContentMayTimeOut: true,
  });
}
