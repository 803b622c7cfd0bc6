import { statSync, type Stats } from "node:fs";

/**
 * fs.protected_symlinks' rule, for the paths where this project resolves a link itself (to write
 * beside the file it names and rename onto it, which the kernel's rule for open() never sees): in a
 * sticky folder everyone may write (/tmp), a link owned by neither this user nor the folder's owner
 * is another user's, who may have put it there to have a root job replace or create a file of their
 * choosing. `folder` is the link's own folder (links resolved), `link` the link's lstat.
 */
export function isPlantedLink(folder: string, link: Stats): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false; // Windows: no such folders, no uids
  const folderInfo = statSync(folder);
  const sharedSticky = (folderInfo.mode & 0o1000) !== 0 && (folderInfo.mode & 0o002) !== 0;
  return sharedSticky && link.uid !== uid && link.uid !== folderInfo.uid;
}
