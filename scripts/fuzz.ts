/**
 * `npm run fuzz [-- --cases N] [-- --seed S]`: random and mutated bytes into every wire decoder and
 * openEnvelope (test/wire/support/fuzz-engine.ts). At least 1,000,000 cases by default. Prints the
 * seed first, progress as it goes and a final count; exits 1 on any failure, with the failing
 * inputs (hex) and the seed to replay them.
 */
import { runFuzz } from "../test/wire/support/fuzz-engine.js";

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const cases = Number(option("--cases") ?? 1_000_000);
const seed = Number(option("--seed") ?? (Date.now() ^ (process.pid << 16)) >>> 0);
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed)) {
  process.stderr.write("usage: npm run fuzz -- [--cases N] [--seed S]\n");
  process.exit(2);
}

process.stdout.write(`fuzz: seed ${seed}, ${cases.toLocaleString("en-US")} cases (replay: npm run fuzz -- --seed ${seed} --cases ${cases})\n`);
const started = performance.now();
const result = runFuzz({
  seed,
  cases,
  progressEvery: Math.max(1, Math.floor(cases / 20)),
  onProgress(done, r) {
    const secs = (performance.now() - started) / 1000;
    process.stdout.write(
      `fuzz: ${done.toLocaleString("en-US")} cases, ${r.accepted.toLocaleString("en-US")} accepted, ` +
        `slowest ${r.slowestMs.toFixed(1)} ms, heap peak ${r.peakHeapMiB.toFixed(0)} MiB, ${(done / secs).toFixed(0)} cases/s\n`,
    );
  },
});
const secs = ((performance.now() - started) / 1000).toFixed(1);
const codes = Object.entries(result.codes)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([code, n]) => `${code} ${n.toLocaleString("en-US")}`)
  .join(", ");
process.stdout.write(
  `fuzz: done, ${result.cases.toLocaleString("en-US")} cases in ${secs} s, seed ${seed}: ` +
    `${result.accepted.toLocaleString("en-US")} accepted, ${result.failures.length} failures; errors: ${codes}\n`,
);
for (const f of result.failures) {
  process.stderr.write(`fuzz: FAIL case ${f.index} ${f.target}: ${f.problem}\n  input ${f.inputHex}\n`);
}
process.exitCode = result.failures.length > 0 ? 1 : 0;
