import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { runInlineModule } from "../support/inline-module.js";
import { compiledPath } from "../support/node-args.js";

/**
 * noble's import took 80-157 ms on this machine: the crypto layer loads it on first use, so that the
 * storage client and the CLI's file commands, which import crypto and never sign, do not pay it. A
 * child process (this worker may have loaded noble already) imports the layer, lists which noble
 * modules are loaded (CommonJS, where the lazy load puts them), signs, and lists again.
 */
function childReport(): Promise<{ stdout: string; stderr: string }> {
  const index = pathToFileURL(compiledPath("src/crypto/index.ts")).href;
  const script = `
    import { createRequire } from "node:module";
    const noble = () => Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes("@noble")).length;
    const m = await import(${JSON.stringify(index)});
    const before = noble();
    m.signDigest(new Uint8Array(32), m.newSecretKey());
    console.log(JSON.stringify({ before, after: noble() }));`;
  return runInlineModule(script);
}

/**
 * keccak256 in a fresh process: hash-wasm's WebAssembly compiles asynchronously, so the call made
 * right after the import (no turn of the event loop between) is noble's and starts the load; once
 * `loadKeccak256()` resolves, WebAssembly answers. `withoutWasm` takes the WebAssembly global away
 * first, as a `--jitless` Node has none: then noble answers every call.
 */
function keccakChild(withoutWasm: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const index = pathToFileURL(compiledPath("src/crypto/index.ts")).href;
  const script = `
    import { createRequire } from "node:module";
    ${withoutWasm ? "delete globalThis.WebAssembly;" : ""}
    const loaded = (name) => Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes(name)).length;
    const hex = (b) => Buffer.from(b).toString("hex");
    const m = await import(${JSON.stringify(index)});
    const atImport = { noble: loaded("@noble"), hashWasm: loaded("hash-wasm") };
    const first = { digest: hex(m.keccak256(new Uint8Array())), by: m.keccak256Implementation() };
    const loadedAs = await m.loadKeccak256();
    const later = { digest: hex(m.keccak256(new Uint8Array())), by: m.keccak256Implementation(), hashWasm: loaded("hash-wasm") };
    console.log(JSON.stringify({ atImport, first, loadedAs, later }));`;
  return runInlineModule(script);
}

const EMPTY = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

describe("keccak256 is loaded on first use", () => {
  it("importing the crypto layer loads neither noble nor hash-wasm; the first call is noble's and starts WebAssembly's load", async () => {
    const { code, stdout, stderr } = await keccakChild(false);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      atImport: { noble: 0, hashWasm: 0 },
      first: { digest: EMPTY, by: "js" },
      loadedAs: "wasm",
      later: { digest: EMPTY, by: "wasm", hashWasm: 1 },
    });
  });

  it("without WebAssembly (as under --jitless) the load resolves to noble, which answers every call with the same digest", async () => {
    const { code, stdout, stderr } = await keccakChild(true);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ first: { digest: EMPTY, by: "js" }, loadedAs: "js", later: { digest: EMPTY, by: "js" } });
  });
});

describe("noble is loaded on first use", () => {
  it("importing the crypto layer loads no @noble module; the first signature loads them", async () => {
    const { stdout, stderr } = await childReport();
    expect(stderr).toBe("");
    const { before, after } = JSON.parse(stdout) as { before: number; after: number };
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(0);
  });
});
