/**
 * docs/wire.md, Versions and messages: the table of every message's fields per protocol version is
 * what an implementer of another client reads first. It must be what proto/status/storage/vN
 * declares: one column per version folder; per row, the fields of that version ("same" as the
 * version before, "–" absent, "+ a, b" the version before and these, "x removed" without x, "same
 * as vN"), and "; `Piece` + index, offset" the fields a companion message gains in that version.
 * The .proto files are read as text: top-level messages, one field per line.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { readPage, section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/wire.md";
const HEADING = "Versions and messages";
const PROTO = "proto/status/storage";

/** Each top-level message of a version folder and its field names. */
function messagesOf(version: string): Map<string, string[]> {
  const dir = fileURLToPath(new URL(`../${PROTO}/${version}/`, import.meta.url));
  const messages = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".proto"))) {
    const text = readPage(`${PROTO}/${version}/${file}`);
    for (const m of text.matchAll(/^message (\w+) \{\n([\s\S]*?)^\}/gm)) {
      const fields = [...(m[2] as string).matchAll(/^\s+(?:repeated |optional )?[\w.]+ (\w+) = \d+;/gm)].map((f) => f[1] as string);
      messages.set(m[1] as string, fields);
    }
  }
  return messages;
}

const names = (text: string): string[] =>
  text
    .replaceAll("*", "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");

describe(`${PAGE}, ${HEADING}`, () => {
  const text = section(PAGE, HEADING);
  const header = text.split("\n").find((line) => line.startsWith("| message |")) ?? "";
  const versions = header.split("|").slice(2, -1).map((cell) => cell.trim());
  const rows = tableRows(text, "| message |", `${PAGE}, ${HEADING}`);

  test("one column per version folder of proto/status/storage", () => {
    const folders = readdirSync(fileURLToPath(new URL(`../${PROTO}/`, import.meta.url)))
      .filter((name) => /^v\d+$/.test(name))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    expect(versions).toEqual(folders);
  });

  test("each row's fields per version are the .proto files' fields", () => {
    const protos = new Map(versions.map((v) => [v, messagesOf(v)]));
    const wrong: string[] = [];
    for (const [first = "", ...cells] of rows) {
      const message = /`(\w+)`/.exec(first)?.[1] ?? `unreadable: ${first}`;
      let previous: string[] | undefined;
      const stated = new Map<string, string[] | undefined>();
      cells.forEach((cell, i) => {
        const version = versions[i] as string;
        const [own = "", ...companions] = cell.split(";").map((part) => part.trim());
        let fields: string[] | undefined;
        if (own === "–" || own === "-") fields = undefined;
        else if (own === "same") fields = previous;
        else if (/^same as (v\d+)$/.test(own)) fields = stated.get((/^same as (v\d+)$/.exec(own) as RegExpExecArray)[1] as string);
        else if (own.startsWith("+ ")) fields = [...(previous ?? []), ...names(own.slice(2))];
        else if (/ removed\b/.test(own)) {
          const gone = /^(\w+) removed/.exec(own.replaceAll("*", ""))?.[1];
          fields = (previous ?? []).filter((f) => f !== gone);
        } else fields = names(own);
        stated.set(version, fields);
        previous = fields;
        const actual = protos.get(version)?.get(message);
        if (JSON.stringify([...(fields ?? [])].sort()) !== JSON.stringify([...(actual ?? [])].sort()) || (fields === undefined) !== (actual === undefined)) {
          wrong.push(`${message} ${version}: ${PAGE} says [${(fields ?? ["absent"]).join(", ")}], ${PROTO}/${version} has [${(actual ?? ["absent"]).join(", ")}]`);
        }
        for (const companion of companions) {
          const m = /^`(\w+)` \+ (.+)$/.exec(companion);
          if (m === null) {
            wrong.push(`${message} ${version}: cannot read "${companion}"`);
            continue;
          }
          const before = protos.get(versions[i - 1] ?? "")?.get(m[1] as string) ?? [];
          const now = protos.get(version)?.get(m[1] as string) ?? [];
          const added = now.filter((f) => !before.includes(f)).sort();
          if (JSON.stringify(added) !== JSON.stringify(names(m[2] as string).sort())) wrong.push(`${m[1]} ${version}: ${PAGE} says + ${m[2]}, the .proto adds [${added.join(", ")}]`);
        }
      });
    }
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(wrong).toEqual([]);
  });
});
