/** Holds code back until the test lets it go: `wait` settles once `open` is called (again is harmless). */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
