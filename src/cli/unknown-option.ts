/**
 * The words for an option the command does not have. Node's parseArgs answered every one with
 * advice for a positional argument that starts with '-' ("place it at the end of the command after
 * '--', as in '-- "--metric"", its quote unclosed), also to a user who mistyped --metrics. This
 * names the closest option the command has, and gives the '--' advice only where the command takes
 * arguments (a path, a reference), which may start with '-'.
 */
export function unknownOptionMessage(command: string, given: string, args: readonly string[], known: readonly string[], takesArguments: boolean): string {
  const name = given.replace(/^-+/, "");
  const meant = closestOption(name, known);
  if (meant !== undefined) return `${command}: unknown option ${given}; did you mean --${meant}? (see --help)`;
  if (!takesArguments) return `${command}: unknown option ${given} (see --help)`;
  // `-video.mp4` is reported as its first letter, -v: the argument as typed is the one that starts with it.
  const typed = args.find((a) => a === given || a.startsWith(`${given}=`) || (!given.startsWith("--") && !a.startsWith("--") && a.startsWith(given))) ?? given;
  return `${command}: unknown option ${given} (see --help); to give an argument that starts with '-', put it after --: -- ${typed}`;
}

/** The nearest option within an edit or two (one for a name of three letters or fewer), or one that `name` begins (three letters at least). */
function closestOption(name: string, known: readonly string[]): string | undefined {
  if (name.length < 2) return undefined;
  let best: { option: string; distance: number } | undefined;
  for (const option of known) {
    const distance = option.startsWith(name) && name.length >= 3 ? 0 : editDistance(name, option);
    if (distance <= (option.length <= 3 ? 1 : 2) && (best === undefined || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

/** Edits between two names: insertions, deletions, substitutions and swaps of two neighbours (--bd for --db). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let cost = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cost = Math.min(cost, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = cost;
    }
  }
  return at(a.length, b.length);
}
