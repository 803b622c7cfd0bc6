import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { runInlineModule } from "../support/inline-module.js";
import { compiledPath } from "../support/node-args.js";

/**
 * noble's import took 80-157 ms here; the crypto layer loads it on first use (test/crypto/signature-lazy-load).
 * The bridge names a community's topic by keccak256 and must take it from there, so that importing
 * the bridge (and so the package's entry, and the storage client with it) loads no noble. A child
 * process counts every @noble module resolved as ESM (a resolve hook, through shared memory: no
 * message to wait for) or loaded as CommonJS (the
 * require cache, where the crypto layer's lazy load puts them), imports the module, names a topic,
 * and looks again.
 */
function nobleLoads(file: string): Promise<{ stdout: string; stderr: string }> {
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier.includes("@noble/")) Atomics.add(counter, 0, 1);
    return next(specifier, context);
  }
  let counter;
  export function initialize(data) { counter = new Int32Array(data.shared); }`;
  const script = `
    import { register, createRequire } from "node:module";
    const shared = new SharedArrayBuffer(4);
    register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}), { data: { shared } });
    const noble = () => Atomics.load(new Int32Array(shared), 0) + Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes("@noble")).length;
    const m = await import(${JSON.stringify(pathToFileURL(compiledPath(file)).href)});
    const before = noble();
    const { communityContentTopic } = await import(${JSON.stringify(pathToFileURL(compiledPath("src/bridge/community-topic.ts")).href)});
    communityContentTopic(new Uint8Array(33).fill(2));
    console.log(JSON.stringify({ before, after: noble() }));`;
  return runInlineModule(script);
}

describe("the bridge loads noble on first use", () => {
  it.each(["src/bridge/index.ts", "src/index.ts"])("importing %s loads no @noble module; naming a community's topic loads them", async (file) => {
    const { stdout, stderr } = await nobleLoads(file);
    expect(stderr).toBe("");
    const { before, after } = JSON.parse(stdout) as { before: number; after: number };
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(0);
  });
});
