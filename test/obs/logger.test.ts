import { describe, expect, it } from "vitest";
import { componentLogger, createLogger, createMetrics } from "../../src/obs/index.js";
import { LogCapture } from "../support/log-capture.js";

describe("logger", () => {
  it("writes JSON lines with the component of each child", () => {
    const out = new LogCapture();
    const log = componentLogger(createLogger({ level: "info", destination: out }), "storage.queue");
    log.info({ job: "j1" }, "upload started");
    const [line] = out.lines();
    expect(line).toMatchObject({ component: "storage.queue", job: "j1", msg: "upload started", level: 30 });
  });

  it("censors key material wherever a caller puts it", () => {
    const out = new LogCapture();
    const log = createLogger({ level: "info", destination: out });
    const secret = "00112233445566778899aabbccddeeff";
    log.info({ key: secret, encryption: { key: secret, noncePrefix: secret }, ref: { encryption: { key: secret } } }, "x");
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });

  it("censors key material, references and binary contents at any depth: a whole share result, journal row or share input logged by mistake", () => {
    const out = new LogCapture();
    const log = componentLogger(createLogger({ level: "trace", destination: out }), "app");
    const key = Buffer.from("c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc", "hex");
    const noncePrefix = Buffer.from("0badc0ffee0bad", "hex");
    const reference = Buffer.concat([Buffer.from([0x0a, 0x20]), key, noncePrefix]);
    const plaintext = Buffer.from("TOP-SECRET-PLAINTEXT-of-a-shared-file");
    const result = { jobId: "j1", reference, view: { encryption: { scheme: "aes-256-gcm-stream", key, noncePrefix, chunkSize: 65536 }, plaintextSize: 10 }, protocol: 3 };
    log.info({ result }, "shared");
    log.info({ upload: { shared: result } }, "deeper");
    log.debug({ row: { id: "j1", enc_key: key, nonce_prefix: noncePrefix, file_reference: reference, state: "done" } }, "row");
    log.trace({ input: { bytes: plaintext, fileName: "a.txt" } }, "share input");
    log.warn({ endpoint: "http://alice:hunter2@127.0.0.1:8080/api/codex/v1", url: new URL("http://bob:swordfish@127.0.0.1:8080/") }, "put to http://alice:hunter2@127.0.0.1:8080 failed");
    const text = out.lines().map((l) => JSON.stringify(l)).join("\n");
    expect(out.lines()).toHaveLength(5);
    for (const password of ["hunter2", "swordfish"]) expect(text).not.toContain(password);
    expect(out.lines()[4]).toMatchObject({ endpoint: "http://[redacted]@127.0.0.1:8080/api/codex/v1", msg: "put to http://[redacted]@127.0.0.1:8080 failed" });
    for (const secret of [key, noncePrefix, reference, plaintext]) {
      for (const form of [secret.toString("hex"), secret.toString("base64"), [...secret].join(","), secret.toString("utf8")]) {
        expect(text.includes(form), `the log holds ${form.slice(0, 24)}…`).toBe(false);
      }
    }
    // What is not secret still reads.
    expect(out.lines()[0]).toMatchObject({ msg: "shared", result: { jobId: "j1", protocol: 3, view: { plaintextSize: 10, encryption: { chunkSize: 65536 } } } });
  });

  it("scrubs an error logged whole: credentials in its message or its cause's, bytes in its details", () => {
    const out = new LogCapture();
    const log = createLogger({ level: "info", destination: out });
    const cause = new Error("connect to http://alice:hunter2@127.0.0.1:9 refused");
    const err = Object.assign(new Error("put failed", { cause }), { code: "E_X", details: { body: Buffer.from("TOP-SECRET-PLAINTEXT") } });
    log.error({ err }, "first");
    log.error({ error: err }, "second");
    log.error(err, "third");
    const text = JSON.stringify(out.lines());
    expect(out.lines()).toHaveLength(3);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("TOP-SECRET-PLAINTEXT");
    expect(text).not.toContain(Buffer.from("TOP-SECRET-PLAINTEXT").toString("base64"));
    for (const line of out.lines()) expect(line).toMatchObject({ [line["msg"] === "second" ? "error" : "err"]: { type: "Error", code: "E_X", details: { body: "[20 bytes]" } } });
  });

  it("scrubs what reaches a line besides its fields: the message pino takes from an error, a child's bindings, an object's toJSON, names in any case", () => {
    const out = new LogCapture();
    const log = createLogger({ level: "info", destination: out });
    const key = Buffer.from("c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc", "hex");
    // No message given: pino writes the error's own message as the line's.
    log.error(new Error("put to http://alice:hunter2@127.0.0.1:8080 failed"));
    log.error({ err: new Error("get from http://alice:hunter2@127.0.0.1:8080 failed") });
    // A component's logger made for one endpoint, as a caller may bind it.
    log.child({ endpoint: "http://alice:hunter2@127.0.0.1:8080/api/codex/v1", params: { key } }).info("child");
    // JSON.stringify writes what toJSON gives, so that is what must be scrubbed.
    log.info({ share: { toJSON: () => ({ encryption: { key: key.toString("hex") }, url: "http://alice:hunter2@127.0.0.1:8080" }) } }, "toJSON");
    // Headers as code writes them, and put's JSON output (its base64 field is the reference, key inside).
    log.info({ headers: { Authorization: "Basic aHVudGVyMg==", "Proxy-Authorization": "Basic aHVudGVyMg==" }, put: { base64: key.toString("base64"), protocol: 3 } }, "names");
    const text = out.text;
    expect(out.lines()).toHaveLength(5);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("aHVudGVyMg");
    for (const form of [key.toString("hex"), key.toString("base64"), key.toString("base64url")]) expect(text).not.toContain(form);
    // What is not secret still reads.
    expect(out.lines()[0]).toMatchObject({ msg: "put to http://[redacted]@127.0.0.1:8080 failed" });
    expect(out.lines()[1]).toMatchObject({ msg: "get from http://[redacted]@127.0.0.1:8080 failed" });
    expect(out.lines()[2]).toMatchObject({ msg: "child", endpoint: "http://[redacted]@127.0.0.1:8080/api/codex/v1", params: { key: "[redacted]" } });
    expect(out.lines()[3]).toMatchObject({ share: { url: "http://[redacted]@127.0.0.1:8080" } });
    expect(out.lines()[4]).toMatchObject({ put: { protocol: 3 } });
  });

  it("scrubs the values a message interpolates (%s, %j, %o): bytes, nested credentials, errors", () => {
    const out = new LogCapture();
    const log = createLogger({ level: "info", destination: out });
    const plaintext = Buffer.from("TOP-SECRET-PLAINTEXT-of-a-shared-file");
    log.info("read %s", plaintext);
    log.info("answer %j", { endpoint: { url: "http://alice:hunter2@127.0.0.1:8080" }, body: plaintext });
    log.info({ job: "j1" }, "piece %o", { sealed: [plaintext], encryption: { key: plaintext.toString("hex") } });
    log.warn("put failed: %s", new Error("connect to http://alice:hunter2@127.0.0.1:9 refused"));
    // Bytes given where the line's fields go.
    log.info(plaintext);
    const text = out.text;
    expect(out.lines()).toHaveLength(5);
    expect(text).not.toContain("hunter2");
    for (const form of [plaintext.toString("utf8"), plaintext.toString("hex"), plaintext.toString("base64")]) expect(text).not.toContain(form);
    expect(out.lines()[0]).toMatchObject({ msg: `read [${plaintext.byteLength} bytes]` });
    expect(out.lines()[3]).toMatchObject({ msg: "put failed: Error: connect to http://[redacted]@127.0.0.1:9 refused" });
    // Not byte by byte as fields ("0":84,"1":79,…).
    expect(out.lines()[4]).not.toHaveProperty("0");
    expect(out.lines()[4]).toMatchObject({ msg: `[${plaintext.byteLength} bytes]` });
  });

  it("removes the whole user:password@ of a URL whose password holds an unescaped @, as URL parsers read it (up to the last @)", () => {
    const out = new LogCapture();
    const log = createLogger({ level: "info", destination: out });
    log.warn({ endpoint: "http://alice:hun@ter2@127.0.0.1:8080/api" }, "put to http://alice:hun@ter2@127.0.0.1:8080 failed; see http://127.0.0.1/x or mail ops@example.org");
    expect(out.text).not.toContain("ter2");
    expect(out.lines()[0]).toMatchObject({
      endpoint: "http://[redacted]@127.0.0.1:8080/api",
      msg: "put to http://[redacted]@127.0.0.1:8080 failed; see http://127.0.0.1/x or mail ops@example.org",
    });
  });

  it("does not write below its level", () => {
    const out = new LogCapture();
    createLogger({ level: "warn", destination: out }).info("quiet");
    expect(out.lines()).toHaveLength(0);
  });
});

describe("createLogger's options", () => {
  it("refuses a key it does not take (a misspelt level left the default, info), naming the nearest", () => {
    expect(() => createLogger({ levle: "debug" } as never)).toThrow(new TypeError('createLogger has no option "levle" (did you mean "level"?); its options are level, destination, name'));
  });
});

describe("metrics", () => {
  it("keeps one registry per client and exposes Prometheus text", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.counter("pieces_uploaded_total", "pieces uploaded").inc(3);
    expect(a.counter("pieces_uploaded_total", "pieces uploaded")).toBe(a.counter("pieces_uploaded_total", "x"));
    expect(await a.text()).toContain("status_compat_pieces_uploaded_total 3");
    expect(await b.text()).not.toContain("pieces_uploaded_total");
  });
});

describe("createLogger's default level, from STATUS_COMPAT_LOG_LEVEL in the process's env", () => {
  /** Runs `body` with the variable set (or removed), and puts back what was there. */
  function withLevelEnv<T>(value: string | undefined, body: () => T): T {
    const before = process.env["STATUS_COMPAT_LOG_LEVEL"];
    try {
      if (value === undefined) delete process.env["STATUS_COMPAT_LOG_LEVEL"];
      else process.env["STATUS_COMPAT_LOG_LEVEL"] = value;
      return body();
    } finally {
      if (before === undefined) delete process.env["STATUS_COMPAT_LOG_LEVEL"];
      else process.env["STATUS_COMPAT_LOG_LEVEL"] = before;
    }
  }

  it("a value naming no level neither throws nor writes: the logger is made at info, as with none (the CLI warns, a library stays quiet)", () => {
    for (const value of ["verbose", "10", "warn,debug", "\u0000"]) {
      const out = new LogCapture();
      const log = withLevelEnv(value, () => createLogger({ destination: out }));
      expect(log.level, value).toBe("info");
      expect(out.lines(), value).toEqual([]);
    }
    expect(withLevelEnv(undefined, () => createLogger({ destination: new LogCapture() })).level).toBe("info");
  });

  it("a level in any case and with spaces is taken; an explicit level wins over the env", () => {
    expect(withLevelEnv(" DEBUG ", () => createLogger({ destination: new LogCapture() })).level).toBe("debug");
    expect(withLevelEnv("verbose", () => createLogger({ level: "silent", destination: new LogCapture() })).level).toBe("silent");
  });
});
