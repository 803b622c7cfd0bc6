import { closeSync, openSync, writeSync } from "node:fs";
import Database from "better-sqlite3";

/** Writes `bytes` over the file at `offset`. */
export function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, "r+");
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

/** Damages the header of one leaf page of `table` (the fourth, or the last when fewer), as a bad sector would. */
export function corruptPageOf(path: string, table: string): number {
  const db = new Database(path);
  let page: number;
  let pageSize: number;
  try {
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").pluck().all(table) as number[];
    page = pages[Math.min(3, pages.length - 1)] as number;
    pageSize = db.pragma("page_size", { simple: true }) as number;
  } finally {
    db.close();
  }
  overwrite(path, (page - 1) * pageSize + 8, Buffer.alloc(64, 0xff));
  return page;
}
