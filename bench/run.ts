/**
 * `npm run bench -- <name...>`: runs the named benchmarks (all when none is named) and prints
 * Markdown for bench/RESULTS.md. Each benchmark is bench/<name>.bench.ts exporting `run()`.
 */
import { readdirSync } from "node:fs";

const here = new URL("./", import.meta.url);
const available = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length > 0 ? wanted : available;

for (const name of names) {
  if (!available.includes(name)) {
    process.stderr.write(`bench: no benchmark "${name}" (have: ${available.join(", ")})\n`);
    process.exitCode = 2;
    continue;
  }
  const mod = (await import(new URL(`./${name}.bench.ts`, here).href)) as { run: () => Promise<string> };
  process.stdout.write(`\n## ${name} (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n\n`);
  process.stdout.write((await mod.run()) + "\n");
}
