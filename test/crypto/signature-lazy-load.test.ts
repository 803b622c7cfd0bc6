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

describe("noble is loaded on first use", () => {
  it("importing the crypto layer loads no @noble module; the first signature loads them", async () => {
    const { stdout, stderr } = await childReport();
    expect(stderr).toBe("");
    const { before, after } = JSON.parse(stdout) as { before: number; after: number };
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(0);
  });
});
