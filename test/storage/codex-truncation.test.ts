/**
 * A Codex node that fails mid-stream has already sent 200 and Content-Length; the body just ends
 * early. The backend must notice every such case (E_TRUNCATED, retryable) and never pass a short
 * body off as complete.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { StorageError } from "../../src/storage/storage-error.js";
import { codexSetup, drain, pattern, proxySetup, storageError } from "./codex-fixtures.js";

const SIZE = 300_000;

describe("Codex backend: truncated downloads", () => {
  test.each([0, 1, 65_536, 150_001, SIZE - 1])("the node closes after %i of 300000 bytes → E_TRUNCATED after exactly those bytes", async (afterBytes) => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(SIZE));
    server.inject("download", { kind: "truncate", afterBytes, then: "close" });
    const got = await backend.get(cid);
    expect(got.size).toBe(SIZE);
    const { received, error } = await drain(got.body);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_TRUNCATED");
    expect((error as StorageError).retryable).toBe(true);
    expect((error as StorageError).details).toMatchObject({ expected: SIZE });
    expect(received).toBe(afterBytes);
  });

  test("for any cut-off point, the bytes before it arrive intact and then E_TRUNCATED follows", async () => {
    const { server, backend } = await codexSetup();
    const bytes = pattern(SIZE, 4);
    const cid = await backend.put(bytes);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: SIZE - 1 }), async (afterBytes) => {
        server.inject("download", { kind: "truncate", afterBytes });
        const got = await backend.get(cid);
        const parts: Buffer[] = [];
        let error: unknown;
        try {
          for await (const chunk of got.body) parts.push(Buffer.from(chunk));
        } catch (e) {
          error = e;
        }
        expect((error as StorageError | undefined)?.code).toBe("E_TRUNCATED");
        expect(Buffer.concat(parts).equals(bytes.subarray(0, afterBytes))).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  test("without Content-Length the size comes from the manifest, and a clean early end is still E_TRUNCATED", async () => {
    const { server, backend } = await codexSetup();
    server.behaviour.omitContentLength = true;
    const cid = await backend.put(pattern(SIZE));
    const whole = await backend.get(cid);
    expect(whole.size).toBe(SIZE);
    expect((await drain(whole.body)).received).toBe(SIZE);
    expect(server.stats.byRoute.manifest).toBe(1);

    server.inject("download", { kind: "truncate", afterBytes: 1000, then: "end" });
    const cut = await backend.get(cid);
    const { received, error } = await drain(cut.body);
    expect(received).toBe(1000);
    expect((error as StorageError).code).toBe("E_TRUNCATED");
    expect((error as StorageError).message).toContain(`ended after 1000 of ${SIZE} bytes`);
  });

  test("a node that goes silent after part of the body → E_TIMEOUT from the idle deadline, not a hang", async () => {
    const { server, backend } = await codexSetup({ idleTimeoutMs: 300 });
    const cid = await backend.put(pattern(SIZE));
    server.inject("download", { kind: "truncate", afterBytes: 5000, then: "hang" });
    const got = await backend.get(cid);
    const { received, error } = await drain(got.body);
    expect(received).toBe(5000);
    expect((error as StorageError).code).toBe("E_TIMEOUT");
    expect((error as StorageError).details).toMatchObject({ phase: "body", timeoutMs: 300 });
  });

  test("a proxy cutting the body (clean close or reset) → E_TRUNCATED", async () => {
    const { proxy, backend, direct } = await proxySetup();
    const cid = await direct.put(pattern(SIZE));
    proxy.script({ kind: "truncate", afterBytes: 10_000 });
    const first = await drain((await backend.get(cid)).body);
    expect((first.error as StorageError).code).toBe("E_TRUNCATED");
    expect(first.received).toBe(10_000);
    proxy.script({ kind: "reset-mid-body", afterBytes: 10_000 });
    const second = await drain((await backend.get(cid)).body);
    expect((second.error as StorageError).code).toBe("E_TRUNCATED");
    expect(second.received).toBeLessThanOrEqual(10_000);
    expect(proxy.stats.injected).toMatchObject({ truncate: 1, "reset-mid-body": 1 });
  });

  test("the body can be consumed once only", async () => {
    const { backend } = await codexSetup();
    const cid = await backend.put(pattern(100));
    const got = await backend.get(cid);
    await drain(got.body);
    expect(() => got.body[Symbol.asyncIterator]()).toThrow(TypeError);
  });

  test("a truncated download leaves the backend usable for the next one", async () => {
    const { server, backend } = await codexSetup();
    const bytes = pattern(SIZE, 7);
    const cid = await backend.put(bytes);
    server.inject("download", { kind: "truncate", afterBytes: 77 });
    await storageError(drain((await backend.get(cid)).body).then((r) => {
      if (r.error !== undefined) throw r.error;
    }), "E_TRUNCATED");
    const again = await drain((await backend.get(cid)).body);
    expect(again).toEqual({ received: SIZE, error: undefined });
  });
});
