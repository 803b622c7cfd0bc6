import { isAbsolute, relative, sep } from "node:path";

/**
 * `path` relative to `folder` when it lies inside it (not the folder itself), else undefined. Read
 * by components: a relative path of ".." or starting "../" is outside, a first name that only starts
 * with two dots ("..cache") is inside (read as a step up, a fetch's out in the local store's
 * blocks/..part was let through); an absolute one is on another drive (Windows).
 */
export function pathBelow(folder: string, path: string): string | undefined {
  const rel = relative(folder, path);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel;
}
