import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root, from the sources or from the bench's compiled copy under node_modules/.cache. */
export const PROJECT_ROOT = ((): string => {
  const here = fileURLToPath(new URL("../../", import.meta.url));
  const at = here.indexOf(join("node_modules", ".cache"));
  return at < 0 ? here : here.slice(0, at);
})();

/** The Codex test server as its own process (test/support/codex-server/main.ts prints its URL, serves until stdin closes). */
export function codexServerProcess(): Promise<{ url: string; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "test/support/codex-server/main.ts")], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    server.on("error", reject);
    server.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match === null) return;
      resolve({
        url: match[0],
        stop: () =>
          new Promise((done) => {
            server.once("close", () => done());
            server.stdin.end();
          }),
      });
    });
  });
}
