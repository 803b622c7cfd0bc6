/**
 * Options come from an app's settings as often as from code, where TypeScript checks nothing. A key
 * the call does not take was ignored: `quota` for `quotaBytes` ran the client on 1 GiB of cache,
 * `retry: { timeoutMs }` on the default attempt timeout, `fetch(ref, { path })` (or a path string
 * for the options) fetched into the cache where the app never looked, `share({ path, bytes })`
 * shared the file and dropped the bytes, `share({ bytes })` sent a file named "file". Each is refused
 * now, before anything is made or journaled, with a typed error naming the option.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient, StorageError, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";

async function refused(run: () => unknown, code: string, option: string): Promise<StorageError> {
  let error: unknown;
  try {
    await run();
  } catch (thrown) {
    error = thrown;
  }
  expect(error, `refused, naming ${option}`).toBeInstanceOf(StorageError);
  expect((error as StorageError).code, (error as StorageError).message).toBe(code);
  expect((error as StorageError).details).toMatchObject({ option });
  return error as StorageError;
}

describe("the storage client's options", () => {
  test("a misspelt key is refused by the constructor, before the data directory or the state is made", async () => {
    const dir = tempDir("scc-unknown-options-");
    const base = { protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data") };
    const quota = await refused(() => new StorageClient({ ...base, quota: 1024 } as StorageClientOptions), "E_UNSUPPORTED", "quota");
    expect(quota.message).toContain('did you mean "quotaBytes"?');
    const retry = await refused(() => new StorageClient({ ...base, retry: { timeoutMs: 5 } } as unknown as StorageClientOptions), "E_UNSUPPORTED", "timeoutMs");
    expect(retry.message).toMatch(/^the storage client's retry policy has no option "timeoutMs"/);
    expect(existsSync(base.dataDir)).toBe(false);
    expect(existsSync(base.statePath)).toBe(false);
    // Misspelt whatever its value: undefined today, the same mistake once it has one.
    await refused(() => new StorageClient({ ...base, quota: undefined } as StorageClientOptions), "E_UNSUPPORTED", "quota");
    // Known keys given as undefined are not given.
    const client = await StorageClient.open({ ...base, quotaBytes: undefined, retry: { maxAttempts: 3, deadlineMs: undefined } } as StorageClientOptions);
    await client.stop();
  });
});

describe("the storage client's mode", () => {
  test('anything but "full" or "light" is refused: "lite" ran the client in full mode', async () => {
    const dir = tempDir("scc-unknown-mode-");
    const base = { protocol: 3, endpoints: [localStore(join(dir, "store"))], statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data") };
    for (const mode of ["lite", "Light", "mobile", null, 1]) {
      const error = await refused(() => new StorageClient({ ...base, mode } as unknown as StorageClientOptions), "E_UNSUPPORTED", "mode");
      expect(error.message).toContain('must be "full" (the default) or "light"');
    }
    expect(new StorageClient({ ...base, mode: undefined }).mode).toBe("full");
  });
});

describe("the storage client's backends", () => {
  test("a URL for a backend, one backend for the endpoints' list, a list holding something else: refused naming the option", async () => {
    const dir = tempDir("scc-not-backends-");
    const store = localStore(join(dir, "store"));
    const base = { protocol: 3, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data") };
    const url = await refused(() => new StorageClient({ ...base, backend: "http://127.0.0.1:8080" } as never), "E_UNSUPPORTED", "backend");
    expect(url.message).toContain("createCodexBackend({ url })");
    const one = await refused(() => new StorageClient({ ...base, mode: "light", endpoints: store } as never), "E_UNSUPPORTED", "endpoints");
    expect(one.message).toContain("one backend (put it in [ ])");
    const inList = await refused(() => new StorageClient({ ...base, mode: "light", endpoints: [{ url: "http://127.0.0.1:8080" }] } as never), "E_UNSUPPORTED", "endpoints");
    expect(inList.message).toContain("endpoints[0] must be a storage backend (createCodexBackend), not an object without put, get, has, delete, space, close");
    expect(new StorageClient({ ...base, backend: store }).mode).toBe("full");
  });

  test("a backend of the app's own without its kind or location (read by the duplicate check, the spread order, every log line): refused naming them", async () => {
    const dir = tempDir("scc-backend-no-location-");
    const store = localStore(join(dir, "store"));
    const base = { protocol: 3, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data") };
    const methods = { put: store.put, get: store.get, has: store.has, delete: store.delete, space: store.space, close: store.close };
    const bare = await refused(() => new StorageClient({ ...base, backend: methods } as never), "E_UNSUPPORTED", "backend");
    expect(bare.message).toContain("not an object without kind, location");
    const noLocation = await refused(() => new StorageClient({ ...base, mode: "light", endpoints: [{ ...methods, kind: "codex", location: 8080 }] } as never), "E_UNSUPPORTED", "endpoints");
    expect(noLocation.message).toContain("endpoints[0] must be a storage backend (createCodexBackend), not an object without location");
    expect(existsSync(join(dir, "state.sqlite"))).toBe(false);
  });
});

describe("share()'s input", () => {
  test("path and bytes together, an unknown key, bytes without fileName, a name that is no string: refused, nothing journaled", async () => {
    const { client, dir } = await startClient();
    const photo = writeRandomFile(dir, "photo.jpg", 10_000);
    await refused(() => client.share({ path: photo.path, bytes: photo.bytes } as never), "E_UNSUPPORTED", "bytes");
    const name = await refused(() => client.share({ path: photo.path, name: "x.jpg" } as never), "E_UNSUPPORTED", "name");
    expect(name.message).toContain("its options are path, fileName, mime");
    await refused(() => client.share({ bytes: photo.bytes } as never), "E_UNSUPPORTED", "fileName");
    await refused(() => client.share({ bytes: photo.bytes, fileName: 7 } as never), "E_UNSUPPORTED", "fileName");
    await refused(() => client.share({ path: photo.path, mime: ["image/jpeg"] } as never), "E_UNSUPPORTED", "mime");
    expect(client.jobs()).toEqual([]);
  });

  test('fileName "" is taken (sent as "file"), and a path given as undefined beside bytes is not given', async () => {
    const { client, dir } = await startClient();
    const photo = writeRandomFile(dir, "photo.jpg", 10_000);
    const nameless = await client.share({ bytes: photo.bytes, fileName: "" }).done;
    const got = await client.fetch(nameless.reference, { out: join(dir, "nameless") }).done;
    expect(sha256Hex(readFileSync(got.path))).toBe(sha256Hex(photo.bytes));
    expect(client.jobs().find((job) => job.kind === "upload")?.fileName).toBe("file");
    await client.share({ path: undefined, bytes: photo.bytes, fileName: "p.jpg" } as never).done;
  });
});

describe("fetch's, fetchStream's, status()'s and renewDue()'s options", () => {
  test("{ path } for { out }, or a path string for the options, is refused: no job, nothing in the cache", async () => {
    const { client, dir, dataDir } = await startClient();
    const photo = writeRandomFile(dir, "photo.jpg", 10_000);
    const { reference } = await client.share({ path: photo.path }).done;
    const jobs = client.jobs().length;
    await refused(() => client.fetch(reference, { path: join(dir, "copy.jpg") } as never), "E_UNSUPPORTED", "path");
    const string = await refused(() => client.fetch(reference, join(dir, "copy.jpg") as never), "E_UNSUPPORTED", "options");
    expect(string.message).toContain("fetch options must be an object (with out)");
    expect(client.jobs()).toHaveLength(jobs);
    expect(readdirSync(join(dataDir, "cache"))).toEqual([]);
    expect(existsSync(join(dir, "copy.jpg"))).toBe(false);
  });

  test("fetchStream, status and renewDue refuse a misspelt key and take null as no options", async () => {
    const { client, dir } = await startClient();
    const photo = writeRandomFile(dir, "photo.jpg", 10_000);
    const { reference } = await client.share({ path: photo.path }).done;
    const signal = new AbortController().signal;
    const stream = await refused(() => client.fetchStream(reference, { signl: signal } as never), "E_UNSUPPORTED", "signl");
    expect(stream.message).toContain('did you mean "signal"?');
    await refused(() => client.status(reference, { probes: true } as never), "E_UNSUPPORTED", "probes");
    await refused(() => client.renewDue({ sginal: signal } as never), "E_UNSUPPORTED", "sginal");
    // null threw a raw TypeError from fetchStream (reading 'signal').
    const chunks: Buffer[] = [];
    for await (const chunk of client.fetchStream(reference, null as never)) chunks.push(chunk);
    expect(sha256Hex(Buffer.concat(chunks))).toBe(sha256Hex(photo.bytes));
    expect((await client.status(reference, null as never)).state).toBe("available");
    await client.renewDue(null as never);
  });
});

describe("the backends' options", () => {
  test("a misspelt key is refused E_BACKEND_REJECTED, naming it", async () => {
    const dir = tempDir("scc-unknown-backend-options-");
    await refused(() => createLocalBackend({ dir, directory: dir } as never), "E_BACKEND_REJECTED", "directory");
    const codex = await refused(() => createCodexBackend({ url: "http://127.0.0.1:9", timeoutMs: 60_000 } as never), "E_BACKEND_REJECTED", "timeoutMs");
    expect(codex.message).toContain("its options are url, apiPrefix, requestTimeoutMs, idleTimeoutMs, logger");
    await refused(() => createCodexBackend(null as never), "E_BACKEND_REJECTED", "url");
  });
});
