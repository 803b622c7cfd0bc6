/**
 * A pass-through node:fs/promises for `vi.mock` factories: while `fault.path` is set, `open` of that
 * path (or `rename` onto it) fails with the OS's error, as a phone out of descriptors (EMFILE) or a
 * Windows file open in a viewer (EBUSY) gives it; every other call goes to the real module.
 *
 *   const fault = vi.hoisted(() => ({ path: "", refused: 0 }));
 *   vi.mock("node:fs/promises", async (real) => (await import("./support/fs-faults.js")).failingFsPromises(await real(), "open", "EMFILE", fault));
 */
type FsPromises = typeof import("node:fs/promises");

export interface PathFault {
  /** The path whose calls fail; "" for none. */
  path: string;
  /** How many calls failed. */
  refused: number;
  /** When true, calls on any path inside the folder `path` fail too (a temp file of a random name). */
  inside?: boolean;
}

const OS_ERRORS = {
  EMFILE: { errno: -24, text: "too many open files" },
  EBUSY: { errno: -16, text: "resource busy or locked" },
  ENOSPC: { errno: -28, text: "no space left on device" },
} as const;

export function failingFsPromises(real: FsPromises, call: "open" | "rename", code: keyof typeof OS_ERRORS, fault: PathFault): FsPromises {
  const { errno, text } = OS_ERRORS[code];
  const hit = (path: string): boolean => fault.path !== "" && (path === fault.path || (fault.inside === true && path.startsWith(`${fault.path}/`)));
  const refuse = (path: string, dest?: string): never => {
    fault.refused++;
    const shown = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
    throw Object.assign(new Error(`${code}: ${text}, ${call} ${shown}`), { code, errno, syscall: call, path, ...(dest === undefined ? {} : { dest }) });
  };
  const open = (async (...args: Parameters<FsPromises["open"]>) => {
    if (call === "open" && hit(String(args[0]))) refuse(String(args[0]));
    return real.open(...args);
  }) as FsPromises["open"];
  const rename = (async (...args: Parameters<FsPromises["rename"]>) => {
    if (call === "rename" && hit(String(args[1]))) refuse(String(args[0]), String(args[1]));
    return real.rename(...args);
  }) as FsPromises["rename"];
  // The module's default export too: some callers import it whole.
  return { ...real, default: { ...real, open, rename }, open, rename } as FsPromises;
}
