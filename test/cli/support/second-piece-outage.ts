import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { startCodexTestServer } from "../../support/codex-server/index.js";
import { startFaultProxy } from "../../support/fault-proxy/index.js";
import { runCliInProcess } from "../../support/cli.js";
import { tempDir } from "../../support/temp-dir.js";

export interface SecondPieceOutage {
  readonly proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  readonly dir: string;
  readonly home: string;
  readonly bytes: Buffer;
  /** What `file put` printed: the reference's base64 and its two pieces. */
  readonly printed: { base64: string; pieces: { cid: string }[] };
  /** The proxy answers the second piece again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A file of two pieces (the default 4 MiB) put by `file put` to a Codex test node on 127.0.0.1, and
 * a proxy in front of it answering 503 for the second piece until restore(): a `file get` through
 * the proxy fails keeping the first piece verified. Retry-After: the failing piece ends its
 * attempts 3 s later, once the other is verified and journaled (a run that verified none keeps none).
 */
export async function secondPieceOutage(tempPrefix: string): Promise<SecondPieceOutage> {
  const server = await startCodexTestServer();
  const down = { piece: "" };
  const proxy = await startFaultProxy({
    target: server.url,
    faultRate: 1,
    randomFaults: [{ kind: "status", status: 503, body: "busy", headers: { "Retry-After": "3" } }],
    eligible: (request) => down.piece !== "" && request.path.includes(down.piece),
  });
  const close = async (): Promise<void> => {
    await proxy.close();
    await server.close();
  };
  try {
    const dir = tempDir(tempPrefix);
    const path = join(dir, "video.mp4");
    const bytes = randomBytes(4 * 1024 * 1024 + 10_000);
    writeFileSync(path, bytes);
    const home = join(dir, "home");
    const put = await runCliInProcess(["file", "put", path, "--home", home, "--backend", "codex", "--codex-url", server.url]);
    expect(put.code, put.stderr).toBe(0);
    const printed = JSON.parse(put.stdout) as { base64: string; pieces: { cid: string }[] };
    expect(printed.pieces).toHaveLength(2);
    down.piece = (printed.pieces[1] as { cid: string }).cid;
    return { proxy, dir, home, bytes, printed, restore: () => (down.piece = ""), close };
  } catch (error) {
    await close();
    throw error;
  }
}
