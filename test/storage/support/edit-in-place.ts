import { writeFileSync } from "node:fs";

/** Writes `bytes` to `path` with the byte at `at` flipped: an app editing a file in place (same size, other bytes). */
export function editInPlace(path: string, bytes: Uint8Array, at: number): void {
  const edited = Buffer.from(bytes);
  edited[at] = (edited[at] as number) ^ 0xff;
  writeFileSync(path, edited);
}
