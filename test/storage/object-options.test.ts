/**
 * The options that are objects or functions of the application's own: `logger` (pino), `clock`
 * ({ now(), monotonic?() }), `random` (a function) and `metrics` (the package's Metrics). Given
 * something else (`logger: console`, the likeliest slip in a JavaScript app; `clock: Date.now`;
 * `random: 0.5` from a settings file), the constructors threw Node's raw TypeError
 * ("parent.child is not a function", "device.now is not a function", "metrics.counter is not a
 * function") naming no option, or, for `random`, took it and failed the first retry's backoff as
 * an E_INTERNAL "bug". Each is refused at once naming the option, as a backend that is no backend is.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";
import { localStore } from "./support/client-fixture.js";

function refusal(extra: Record<string, unknown>): unknown {
  const dir = tempDir();
  const options = { protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data"), ...extra } as StorageClientOptions;
  return thrown(() => new StorageClient(options));
}

describe("StorageClient options that must be objects or functions of the application's", () => {
  test.each([
    ["logger", "console", console, /storage client option logger must be a pino logger \(createLogger\(\) of this package, or pino\(\)\), not console \(it has no child\(\)\)/],
    ["logger", "a string", "debug", /option logger must be a pino logger .*, not the string "debug"/],
    ["clock", "Date.now", Date.now, /storage client option clock must be an object with now\(\) \(and monotonic\(\)\), such as \{ now: Date\.now \}, not a function/],
    ["clock", "{ now: 5 }", { now: 5 }, /option clock must be an object with now\(\) .*, not an object without now\(\)/],
    ["clock", "{ now, monotonic: 1 }", { now: () => 0, monotonic: 1 }, /option clock must be an object with now\(\) .*, not an object whose monotonic is no function/],
    ["random", "0.5", 0.5, /storage client option random must be a function giving a number in \[0, 1\) \(such as Math\.random\), not 0\.5/],
    ["timers", "{ now }", { now: Date.now } as object, /storage client option timers must be an object with now\(\) and setTimer\(ms, fire\) \(a TimerPort\), not an object without setTimer\(\)/],
    ["metrics", "{}", {}, /storage client option metrics must be a Metrics registry \(createMetrics\(\) of this package\), not an object without counter\(\), gauge\(\), histogram\(\)/],
  ])("%s: %s is E_UNSUPPORTED naming the option, from the constructor", (option, _label, value, message) => {
    const error = refusal({ [option]: value });
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { option } });
    expect((error as Error).message).toMatch(message);
  });

  test("undefined is not given, and what the package makes is taken", async () => {
    const dir = tempDir();
    const { createLogger, createMetrics } = await import("../../src/obs/index.js");
    const client = new StorageClient({
      protocol: 3,
      backend: localStore(join(dir, "store")),
      statePath: join(dir, "s.sqlite"),
      dataDir: join(dir, "data"),
      renewEveryMs: 0,
      logger: createLogger({ level: "silent" }),
      metrics: createMetrics(),
      clock: { now: Date.now },
      random: undefined,
    });
    await client.start();
    await client.stop();
  });
});

describe("the backends' logger", () => {
  test.each([
    ["createLocalBackend", () => createLocalBackend({ dir: join(tempDir(), "store"), logger: console as never })],
    ["createCodexBackend", () => createCodexBackend({ url: "http://127.0.0.1:8080", logger: console as never })],
  ])("%s with logger: console is E_BACKEND_REJECTED naming the option", (_name, make) => {
    const error = thrown(make);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_BACKEND_REJECTED", details: { option: "logger" } });
    expect((error as Error).message).toMatch(/option logger must be a pino logger .*, not console \(it has no child\(\)\)/);
  });
});
