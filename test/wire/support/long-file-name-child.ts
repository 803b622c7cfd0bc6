/**
 * Child process for file-name.test.ts: sanitizes a name of argv[2] characters made of a letter, a
 * long run of spaces and a last letter (with a dot after the spaces when argv[3] is "dot"), and
 * prints the result's length as JSON. Run as a child so that a sanitizer that never ends is killed
 * by the test's deadline instead of stalling the suite.
 */
import { sanitizeFileName } from "../../../src/wire/index.js";

const n = Number(process.argv[2]);
const name = `a${" ".repeat(n)}${process.argv[3] === "dot" ? ".txt" : "x"}`;
const out = sanitizeFileName(name);
process.stdout.write(JSON.stringify({ length: out.length, start: out.slice(0, 1), end: out.slice(-4) }));
