/**
 * job(), retry() and cancel() given a job's handle or summary instead of its id (`client.retry(job)`,
 * the likeliest slip), or any value but a string, passed it to SQLite and threw its raw errors:
 * "Too few parameter values were provided", "SQLite3 can only bind numbers, strings, ...". Now
 * E_JOB_UNKNOWN saying what was given and to pass job.id. A numeric option given as a string
 * ("1024", from a settings file) passed the checks and was then used as text; a symbol made the
 * check's own message throw. Both are the option's RangeError now.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, StorageError, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { thrown } from "../support/thrown.js";

describe("a job's id", () => {
  test("a handle, a summary or another value for it is E_JOB_UNKNOWN naming the call and the mistake, and the job is untouched", async () => {
    const { client, dir } = await startClient();
    const job = client.share({ path: writeRandomFile(dir, "a.bin", 5_000).path });
    await job.done;
    const summary = client.jobs()[0];
    for (const [method, call] of [
      ["retry", (v: unknown) => client.retry(v as string)],
      ["cancel", (v: unknown) => client.cancel(v as string)],
      ["job", (v: unknown) => client.job(v as string)],
    ] as const) {
      for (const handle of [job, summary]) {
        const error = thrown(() => call(handle)) as StorageError;
        expect(error, method).toBeInstanceOf(StorageError);
        expect(error.code).toBe("E_JOB_UNKNOWN");
        expect(error.message).toBe(`${method}() takes a job's id (a string); it was given a job's handle or summary, not its id (pass job.id)`);
      }
      for (const [value, said] of [
        [{}, "an object"],
        [[], "an array"],
        [Symbol("id"), "a symbol"],
        [() => job.id, "a function"],
        [7, "7"],
        [undefined, "undefined"],
      ] as const) {
        const error = thrown(() => call(value)) as StorageError;
        expect(error, `${method} ${said}`).toBeInstanceOf(StorageError);
        expect(error.message).toBe(`${method}() takes a job's id (a string); it was given ${said}`);
      }
    }
    expect(client.job(job.id).state).toBe("done");
  });
});

describe("numeric options", () => {
  test("a number given as a string, or a symbol, is the option's RangeError", async () => {
    const dir = tempDir("scc-number-options-");
    const base = { protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data") };
    expect(thrown(() => new StorageClient({ ...base, quotaBytes: "1024" } as unknown as StorageClientOptions))).toBeUndefined();
    await expect(StorageClient.open({ ...base, quotaBytes: "1024" } as unknown as StorageClientOptions)).rejects.toThrow(
      new RangeError('storage client option quotaBytes must be a positive number of bytes (Infinity: no limit), not the string "1024"'),
    );
    await expect(StorageClient.open({ ...base, renewEveryMs: "0" } as unknown as StorageClientOptions)).rejects.toThrow(/renewEveryMs must be .*, not the string "0"/);
    const { client } = await startClient();
    expect(thrown(() => client.setQuota(Symbol("q") as unknown as number))).toEqual(
      new RangeError("storage client option quotaBytes must be a positive number of bytes (Infinity: no limit), not a symbol"),
    );
    expect(thrown(() => client.setQuota("2048" as unknown as number))).toBeInstanceOf(RangeError);
  });
});
