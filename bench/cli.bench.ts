/**
 * `npm run bench -- cli`: how long `status-compat` takes to start and answer, for calls that do
 * little else (help, a usage error, the release table), against an empty `node -e ''` measured in
 * the same rounds. Each call is a fresh process of the built CLI (`npm run build`: bin/ runs dist/),
 * the calls taking turns round by round so a busy moment of the machine falls on all of them.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fmt, markdownTable, median, type Row } from "./support/measure.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = fileURLToPath(new URL("../bin/status-compat.js", import.meta.url));
const ROUNDS = 15;

const CALLS: ReadonlyArray<{ readonly what: string; readonly args: readonly string[] }> = [
  { what: "`status-compat --help`", args: [BIN, "--help"] },
  { what: "`status-compat nope` (a usage error)", args: [BIN, "nope"] },
  { what: "`status-compat releases`", args: [BIN, "releases"] },
  { what: "`status-compat file --help`", args: [BIN, "file", "--help"] },
  { what: "`status-compat file get --help`", args: [BIN, "file", "get", "--help"] },
  { what: "`status-compat matrix --help`", args: [BIN, "matrix", "--help"] },
];

/** Wall time of one process, in ms. */
function timed(args: readonly string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
  const ms = performance.now() - started;
  if (r.error !== undefined) throw r.error;
  return ms;
}

export async function run(): Promise<string> {
  if (!existsSync(new URL("../dist/src/cli/run.js", import.meta.url))) throw new Error("bench cli: dist/ is missing; run `npm run build` first");
  const floor: number[] = [];
  const times = CALLS.map(() => [] as number[]);
  // One warm-up of each (the file system cache), then the rounds.
  timed(["-e", ""]);
  for (const call of CALLS) timed(call.args);
  for (let round = 0; round < ROUNDS; round++) {
    floor.push(timed(["-e", ""]));
    CALLS.forEach((call, i) => (times[i] as number[]).push(timed(call.args)));
  }
  const floorMs = median(floor);
  const rows: Row[] = CALLS.map((call, i) => {
    const ms = median(times[i] as number[]);
    return { metric: `${call.what}, wall time (ms, median of ${ROUNDS})`, value: fmt(ms, 0), floor: `${fmt(floorMs, 0)} (\`node -e ''\`)`, ratio: `${fmt(ms / floorMs)}×` };
  });
  return markdownTable(rows);
}
