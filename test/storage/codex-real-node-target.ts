/**
 * Decides whether the compliance suite runs against a real Codex / Logos Storage node, from the
 * environment:
 *   CODEX_API_URL          base URL of the node's REST API (unset: the suite is not registered)
 *   CODEX_API_PREFIX       /api/codex/v1 (default) or /api/storage/v1
 *   CODEX_API_TIMEOUT_MS   per-call deadline, default 10000
 *   CODEX_API_ALLOW_REMOTE=1  required for a node that is not on a loopback address
 */
export type RealNodeTarget =
  | { readonly run: true; readonly url: string; readonly apiPrefix: string; readonly requestTimeoutMs: number }
  | { readonly run: false; readonly reason: string; /** The variables are set but wrong: a failure, not a choice. */ readonly misconfigured: boolean };

const PREFIXES = ["/api/codex/v1", "/api/storage/v1"];

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

export function realNodeTarget(env: Record<string, string | undefined>): RealNodeTarget {
  const raw = env["CODEX_API_URL"]?.trim() ?? "";
  if (raw === "") {
    return { run: false, misconfigured: false, reason: "CODEX_API_URL is not set, so the real-node suite is not registered (set it to a node's REST base URL, e.g. http://127.0.0.1:8080)." };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { run: false, misconfigured: true, reason: `CODEX_API_URL is not a URL: ${JSON.stringify(raw)}.` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { run: false, misconfigured: true, reason: `CODEX_API_URL must be http(s), not ${url.protocol}.` };
  }
  if (!isLoopbackHost(url.hostname) && env["CODEX_API_ALLOW_REMOTE"] !== "1") {
    return {
      run: false,
      misconfigured: true,
      reason: `CODEX_API_URL points at ${url.hostname}, which is not a loopback address; set CODEX_API_ALLOW_REMOTE=1 to test a remote node on purpose.`,
    };
  }
  const apiPrefix = env["CODEX_API_PREFIX"]?.trim() || PREFIXES[0] as string;
  if (!PREFIXES.includes(apiPrefix)) {
    return { run: false, misconfigured: true, reason: `CODEX_API_PREFIX must be one of ${PREFIXES.join(", ")}; got ${JSON.stringify(apiPrefix)}.` };
  }
  const timeoutRaw = env["CODEX_API_TIMEOUT_MS"]?.trim() ?? "";
  const requestTimeoutMs = timeoutRaw === "" ? 10_000 : Number(timeoutRaw);
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs <= 0) {
    return { run: false, misconfigured: true, reason: `CODEX_API_TIMEOUT_MS must be a positive whole number of ms; got ${JSON.stringify(timeoutRaw)}.` };
  }
  return { run: true, url: url.toString().replace(/\/$/, ""), apiPrefix, requestTimeoutMs };
}
