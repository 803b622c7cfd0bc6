import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { MAX_COMMUNITY_DESCRIPTION_BYTES } from "../../src/wire/index.js";

/** A heap a phone can spare for one message: several times the largest message, far below what a flood costs protobufjs. */
const HEAP_MB = 128;

function decodeInChild(path: "read" | "forward", kind: string, size: number): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, "--import", "tsx", "test/wire/support/unknown-flood-child.ts", path, kind, String(size)],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill("SIGTERM"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout });
    });
  });
}

describe("a message of nothing but tiny unknown fields", () => {
  it(
    `is refused within a ${HEAP_MB} MiB heap when read: a ${MAX_COMMUNITY_DESCRIPTION_BYTES / 2 ** 20} MiB community description of 8M unknown fields`,
    async () => {
      const result = await decodeInChild("read", "community-description", MAX_COMMUNITY_DESCRIPTION_BYTES);
      expect(result, "the decoder ran out of memory").toMatchObject({ code: 0, signal: null });
      expect(JSON.parse(result.stdout)).toEqual({ code: "E_WIRE_INVALID_FIELD", field: "communityId" });
    },
    90_000,
  );
});
