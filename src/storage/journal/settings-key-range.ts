/**
 * The first key after every key that starts with `prefix`, which ends in ':' (';' is the character
 * after it): keys starting with `prefix` are those >= prefix and < this.
 */
export function prefixEnd(prefix: string): string {
  if (!prefix.endsWith(":")) throw new Error(`a settings key prefix ends in ':' (got ${JSON.stringify(prefix)})`);
  return `${prefix.slice(0, -1)};`;
}

/**
 * SQL condition "the settings key starts with `prefix`" (a constant of the journal, no quote in it),
 * as a range the key's index answers; LIKE, case-insensitive by default, scans the whole table.
 */
export function keyStartsWith(prefix: string): string {
  if (prefix.includes("'")) throw new Error(`a settings key prefix holds no quote (got ${JSON.stringify(prefix)})`);
  return `key >= '${prefix}' AND key < '${prefixEnd(prefix)}'`;
}
