import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { componentLogger, createLogger, createMetrics } from "../../src/obs/index.js";

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString("utf8"));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("logger", () => {
  it("writes JSON lines with the component of each child", () => {
    const out = capture();
    const log = componentLogger(createLogger({ level: "info", destination: out.stream }), "storage.queue");
    log.info({ job: "j1" }, "upload started");
    const [line] = out.lines();
    expect(line).toMatchObject({ component: "storage.queue", job: "j1", msg: "upload started", level: 30 });
  });

  it("censors key material wherever a caller puts it", () => {
    const out = capture();
    const log = createLogger({ level: "info", destination: out.stream });
    const secret = "00112233445566778899aabbccddeeff";
    log.info({ key: secret, encryption: { key: secret, noncePrefix: secret }, ref: { encryption: { key: secret } } }, "x");
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });

  it("does not write below its level", () => {
    const out = capture();
    createLogger({ level: "warn", destination: out.stream }).info("quiet");
    expect(out.lines()).toHaveLength(0);
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
