/** What a protocol profile can write and read. Adding one means adding it to the table schema too. */
export const FEATURES = [
  "inline-attachment",
  "cd-whole-waku",
  "file-reference",
  "cd-pointer",
  "pointer-supersede",
  "expiry-renewal",
  "piece-index",
] as const;

export type Feature = (typeof FEATURES)[number];
