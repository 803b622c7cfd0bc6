/**
 * doc-snippets.test.ts type-checks every TypeScript example of the docs; this one runs the two an
 * embedding application starts from, as written, against the package's entry (src/index.ts): the
 * README's "Using the library" (a Codex node: the test server on 127.0.0.1 in place of
 * 127.0.0.1:8080) and docs/storage.md's first example (the local store; its /data paths moved
 * into a temp folder). What the example leaves to the application is given: the peer's range,
 * the file's size, a progress renderer, the viewer, and as the bytes received, the bytes it sent.
 * A type-correct example can still fail when run (a share that rejects, a fetch of the wrong
 * reference form, an envelope the reader refuses): that is what this finds.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { startCodexTestServer } from "./support/codex-server/index.js";
import { PROJECT_ROOT } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

/** The n-th ```ts example of `doc` (0-based). */
function example(doc: string, n: number): string {
  const blocks = readFileSync(join(PROJECT_ROOT, doc), "utf8").split(/^```ts\n/m).slice(1).map((rest) => rest.slice(0, rest.indexOf("\n```")));
  const code = blocks[n];
  if (code === undefined) throw new Error(`${doc} has no TypeScript example ${n}`);
  return code;
}

/** `code` with `from` replaced by `to`; the replacement must happen, or the example changed and this test must follow it. */
function replaced(code: string, from: string, to: string): string {
  expect(code, `the example still holds ${JSON.stringify(from)}`).toContain(from);
  return code.replaceAll(from, to);
}

/** Writes the example as a module of its own beside the sources' entry, with the application's names before it, and runs it. */
async function run(dir: string, name: string, application: string, code: string): Promise<void> {
  const entry = pathToFileURL(join(PROJECT_ROOT, "src", "index.js")).href;
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, `${application}\n${replaced(code, 'from "status-codex-compat"', `from ${JSON.stringify(entry)}`)}\nexport {};\n`);
  await import(pathToFileURL(file).href);
}

describe("the docs' main examples run as written", () => {
  test("README, Using the library: share a file, send its reference in an envelope, open it and fetch the file", async () => {
    const server = await startCodexTestServer();
    const dir = tempDir("scc-doc-example-readme-");
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const video = Buffer.alloc(300_000);
      for (let i = 0; i < video.length; i++) video[i] = (i * 7919) % 251;
      writeFileSync("video.mp4", video);
      const application = [
        "const peerRange = { min: 2, max: 3 };",
        `const size = ${video.length};`,
        "const render = (_progress: unknown): void => undefined;",
      ].join("\n");
      let code = replaced(example("README.md", 0), '"http://127.0.0.1:8080"', JSON.stringify(server.url));
      // The bytes a peer received are the bytes the example sent.
      code = replaced(code, "openEnvelope(received, me.window)", "openEnvelope(bytes, me.window)");
      await run(dir, "readme", application, code);

      // The fetch wrote the file at its out, verified; the pieces went through the node.
      expect(readFileSync(join(dir, "video.mp4")).equals(video)).toBe(true);
      expect(server.stats.uploads).toBeGreaterThan(0);
      expect(existsSync(join(dir, "state.sqlite"))).toBe(true);
    } finally {
      process.chdir(cwd);
      await server.close();
    }
  }, 60_000);

  test("docs/storage.md, the client: share, fetch to a file and as a stream, stop", async () => {
    const dir = tempDir("scc-doc-example-storage-");
    const photo = Buffer.alloc(200_000, 9);
    writeFileSync(join(dir, "holiday.jpg"), photo);
    const pushed: Uint8Array[] = [];
    (globalThis as { __viewer?: unknown }).__viewer = { push: (chunk: Uint8Array) => pushed.push(chunk) };
    const application = [
      "const render = (_fraction: number): void => undefined;",
      "const viewer = (globalThis as unknown as { __viewer: { push(chunk: Uint8Array): void } }).__viewer;",
    ].join("\n");
    let code = example("docs/storage.md", 0);
    code = replaced(code, '"/data/status/', JSON.stringify(join(dir, "data") + "/").slice(0, -1));
    code = replaced(code, '"holiday.jpg"', JSON.stringify(join(dir, "holiday.jpg")));
    code = replaced(code, '"/downloads/holiday.jpg"', JSON.stringify(join(dir, "downloaded.jpg")));
    await run(dir, "storage", application, code);

    expect(readFileSync(join(dir, "downloaded.jpg")).equals(photo)).toBe(true);
    expect(Buffer.concat(pushed).equals(photo)).toBe(true);
  }, 60_000);
});
