/**
 * The layer rules of docs/CONTRIBUTING.md that the folder moves rely on: src/fs sits below every
 * layer (it imports nothing of the project, only Node's modules), and the state layer reaches the
 * folder sync through it, never through storage (which sits above state).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const SRC = join(import.meta.dirname, "..", "..", "src");

function importsOf(folder: string): { file: string; from: string }[] {
  const found: { file: string; from: string }[] = [];
  for (const entry of readdirSync(join(SRC, folder), { recursive: true, encoding: "utf8" })) {
    if (!entry.endsWith(".ts")) continue;
    const text = readFileSync(join(SRC, folder, entry), "utf8");
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g)) found.push({ file: join(folder, entry), from: m[1] as string });
  }
  return found;
}

describe("layer imports", () => {
  test("src/fs imports only Node's own modules and its own files", () => {
    const outside = importsOf("fs").filter(({ from }) => !from.startsWith("node:") && !from.startsWith("./"));
    expect(outside).toEqual([]);
  });

  test("src/state imports nothing from the layers above it (storage, compat, cli)", () => {
    const upward = importsOf("state").filter(({ from }) => /\/(storage|compat|cli|bridge)\//.test(from));
    expect(upward).toEqual([]);
  });
});
