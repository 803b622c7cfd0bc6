import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { runInlineModule } from "../support/inline-module.js";
import { compiledPath } from "../support/node-args.js";

/**
 * js-waku's import costs ~0.7 s and ~50 MB: only transports/relay may load it, and only when a relay
 * transport starts. A child process (this worker may have loaded js-waku already) registers a
 * module hook that refuses any @waku/ or libp2p module, then imports the module under test.
 */
function importWithWakuRefused(file: string, then = ""): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const hook = `export async function resolve(specifier, context, next) {
    if (/^@waku\\/|^@libp2p\\/|^libp2p$|^@chainsafe\\//.test(specifier)) throw new Error("WAKU LOADED: " + specifier);
    return next(specifier, context);
  }`;
  const script = `
    import { register } from "node:module";
    register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));
    const m = await import(${JSON.stringify(pathToFileURL(compiledPath(file)).href)});
    ${then}
    console.log("imported");`;
  return runInlineModule(script);
}

describe("js-waku is loaded lazily", () => {
  it("importing the bridge layer's index (relay module included) loads no @waku or libp2p module", async () => {
    const index = await importWithWakuRefused("src/bridge/index.ts");
    expect(index.stderr).toBe("");
    expect(index.stdout.trim()).toBe("imported");
    // The package's entry carries the bridge: an app importing it pays for js-waku only when it starts a relay node.
    const entry = await importWithWakuRefused("src/index.ts");
    expect(entry.stderr).toBe("");
    expect(entry.stdout.trim()).toBe("imported");
    const relay = await importWithWakuRefused("src/bridge/transports/relay.ts", "if (typeof m.createRelayTransport !== 'function') throw new Error('no export');");
    expect(relay.stderr).toBe("");
    expect(relay.stdout.trim()).toBe("imported");
  });

  it("the hook does see js-waku when a relay transport starts (the check above can fail)", async () => {
    const started = await importWithWakuRefused("src/bridge/transports/relay.ts", "await m.createRelayTransport().catch((e) => { console.log(String(e.message)); process.exit(0); });");
    expect(started.stdout).toContain("WAKU LOADED: @waku/");
  });
});
