/**
 * close(): every call in flight ends with E_CLIENT_CLOSED, later calls are refused, and no socket
 * or timer is left (checked from the server's side and by a child process that must exit alone).
 * Also connection reuse, which keeps small calls cheap.
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { codexSetup, drain, eventually, pattern, storageError } from "./codex-fixtures.js";
import { nodeArgs } from "../support/node-args.js";

/** A node closes every connection after its answer; these tests are about the kept-alive ones a gateway in front of it keeps. */
const KEPT_ALIVE = { keepAlive: true } as const;

describe("Codex backend: close()", () => {
  test("a download being read fails with E_CLIENT_CLOSED when the backend closes", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(2 * 1024 * 1024));
    server.inject("download", { kind: "slow", chunkBytes: 64 * 1024, everyMs: 50 });
    const got = await backend.get(cid);
    const reading = drain(got.body);
    await sleep(120);
    await backend.close();
    const { received, error } = await reading;
    expect((error as StorageError).code).toBe("E_CLIENT_CLOSED");
    expect(received).toBeLessThan(2 * 1024 * 1024);
  });

  test("an upload and a hung call in flight fail with E_CLIENT_CLOSED; later calls are refused; close twice is fine", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000 });
    const cid = await backend.put(pattern(10));
    server.inject("upload", { kind: "hang", phase: "before-headers" });
    server.inject("space", { kind: "hang", phase: "before-headers" });
    const inFlight = Promise.all([storageError(backend.put(pattern(100_000)), "E_CLIENT_CLOSED"), storageError(backend.space(), "E_CLIENT_CLOSED")]);
    await sleep(100);
    await backend.close();
    await inFlight;
    for (const run of [() => backend.get(cid), () => backend.has(cid), () => backend.put(pattern(5)), () => backend.delete(cid), () => backend.space()]) {
      await storageError(run, "E_CLIENT_CLOSED");
    }
    await expect(backend.close()).resolves.toBeUndefined();
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
  });

  test("close() cuts every connection, an abandoned download's too; a backend not closed keeps its own open", async () => {
    // Kept alive by the server: a node closes its end once the answer is written, and a 4 MiB answer
    // can be written whole into loopback buffers (a receive buffer grows to tcp_rmem's 32 MiB here),
    // so the server's count of the abandoned download's connection fell to 0 with the client's
    // socket still open, now and then (a fresh-clone CI run, under load).
    const { server, backendWith } = await codexSetup({}, KEPT_ALIVE);
    const closed = backendWith({});
    const kept = backendWith({});
    const cid = await closed.put(pattern(4 * 1024 * 1024));
    await closed.get(cid); // headers read, body abandoned
    await kept.get(cid);
    expect(server.openConnections()).toBe(2);
    await closed.close();
    expect(await eventually(() => server.openConnections() === 1)).toBe(true);
    await sleep(200);
    expect(server.openConnections()).toBe(1);
    await kept.close();
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
  });

  test("a download body given up before its first chunk (return(), as a reader that refuses the announced size does) frees its connection at once", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(4 * 1024 * 1024));
    for (let i = 0; i < 3; i++) {
      const got = await backend.get(cid);
      await got.body[Symbol.asyncIterator]().return?.();
    }
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
  });

  test("sequential calls reuse one kept-alive connection (a gateway in front of the node keeps it; the node itself closes each)", async () => {
    const { server, backend } = await codexSetup({}, KEPT_ALIVE);
    const cid = await backend.put(pattern(1000));
    for (let i = 0; i < 10; i++) {
      expect(await backend.has(cid)).toBe(true);
      await drain((await backend.get(cid)).body);
    }
    expect(server.openConnections()).toBe(1);
  });

  function runProbe(args: string[], graceMs: number): Promise<{ code: number | null; stdout: string; exitedAlone: boolean }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...nodeArgs("test/storage/codex-exit-probe.ts"), ...args], {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "ignore"],
      });
      let stdout = "";
      let killer: NodeJS.Timeout | undefined;
      let killed = false;
      child.stdout.on("data", (b: Buffer) => {
        stdout += b.toString("utf8");
        // The grace period starts at the probe's last line, so tsx start-up time does not count.
        if (stdout.endsWith("\n") && killer === undefined) {
          killer = setTimeout(() => {
            killed = true;
            child.kill("SIGKILL");
          }, graceMs);
        }
      });
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, exitedAlone: !killed });
      });
    });
  }

  test("a process using the backend exits by itself after close(): no socket or timer (60 s deadlines) survives, even after a hung call", async () => {
    // Kept alive, as through a gateway: the pooled sockets are what close() must not leave behind.
    const { server, backend } = await codexSetup({}, KEPT_ALIVE);
    const cid = await backend.put(pattern(4 * 1024 * 1024));
    await backend.close();
    server.inject("exists", { kind: "hang", phase: "before-headers" });
    const probe = await runProbe([server.url, cid], 5000);
    expect(JSON.parse(probe.stdout)).toEqual(["ok", "ok", "E_TIMEOUT", "ok"]);
    expect(probe.exitedAlone).toBe(true);
    expect(probe.code).toBe(0);
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
  });
});
