import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { runInlineModule } from "../support/inline-module.js";
import { compiledPath } from "../support/node-args.js";

/**
 * keccak256 is WebAssembly once loaded and noble (pure JavaScript, ~24x slower: 0.15-0.25 s of the
 * event loop for a 1.5 MB description) until then, and the load starts on the first call. A member
 * whose first verification came before the load ended paid noble's stall for its first description.
 * In a fresh process (this worker may have loaded it already): right after DescriptionReceiver.start
 * and the first publish, the hash that answers is the WebAssembly one.
 */
const url = (file: string): string => JSON.stringify(pathToFileURL(compiledPath(file)).href);

describe("the bridge hashes with keccak256's WebAssembly from its first description", () => {
  it.each(["receiver", "publisher"])("once the %s has started, keccak256 is WebAssembly's", async (which) => {
    const script = `
      const { DescriptionReceiver } = await import(${url("src/bridge/receiver.ts")});
      const { DescriptionPublisher } = await import(${url("src/bridge/publisher.ts")});
      const { MemoryNetwork } = await import(${url("src/bridge/transports/memory.ts")});
      const { profileForRelease } = await import(${url("src/versions/index.ts")});
      const { newSecretKey, publicKeyOf, keccak256Implementation } = await import(${url("src/crypto/index.ts")});
      const network = new MemoryNetwork();
      const secretKey = newSecretKey();
      let seen;
      if (${JSON.stringify(which)} === "receiver") {
        const r = await DescriptionReceiver.start({ profile: profileForRelease("0.2.0"), transport: network.transport(), communityId: publicKeyOf(secretKey) });
        seen = keccak256Implementation();
        await r.close();
      } else {
        const p = new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: network.transport(), secretKey });
        await p.publish(new Uint8Array([1]), 1);
        seen = keccak256Implementation();
      }
      await network.close();
      console.log(seen);`;
    const { stdout, stderr } = await runInlineModule(script);
    expect(stderr).toBe("");
    expect(stdout.trim()).toBe("wasm");
  });
});
