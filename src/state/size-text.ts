/**
 * A size in the unit that fits it (bytes below a KiB, then KiB, MiB, GiB with one decimal): the
 * state layer's one wording of sizes. MiB alone named a budget of 1 KiB, or a work folder's 40 KiB
 * of free space, "0.0 MiB".
 */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KiB", "MiB", "GiB"] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit] as string}`;
}

/**
 * Two sizes a refusal compares, each with its byte count when the two would read alike: a budget a
 * byte short of the file read "(0.2 MiB), more than the 0.2 MiB it may use", a refusal that
 * contradicted itself.
 */
export function comparedSizes(first: number, second: number): [string, string] {
  const a = sizeText(first);
  const b = sizeText(second);
  if (a !== b) return [a, b];
  return [`${a} (${first.toLocaleString("en-US")} bytes)`, `${b} (${second.toLocaleString("en-US")} bytes)`];
}
