import protobuf from "protobufjs";

/** Where things are declared in one .proto file, keyed by name relative to the file's package. */
export interface DeclarationLines {
  /** `Outer.Inner` → line of `message Inner` / `enum Inner`. */
  readonly types: Map<string, number>;
  /** `Outer.Inner#field` (message fields) or `Enum#VALUE` (enum values) → line of the name. */
  readonly members: Map<string, number>;
  readonly packageLine?: number;
}

interface Token {
  readonly text: string;
  readonly line: number;
}

type Scope = { kind: "message" | "enum"; path: string } | { kind: "oneof" } | { kind: "other" };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /^-?(0[xX][0-9A-Fa-f]+|[0-9]+)$/;

/**
 * Line numbers for declarations, from protobufjs's own tokenizer (protobufjs's parser keeps no line
 * numbers). Only used to point findings at a line; the schema itself comes from the parser.
 */
export function locateDeclarations(source: string): DeclarationLines {
  const tokens = tokenize(source);
  const types = new Map<string, number>();
  const members = new Map<string, number>();
  let packageLine: number | undefined;
  const stack: Scope[] = [];
  let pending: { kind: "message" | "enum"; name: string; line: number } | undefined;
  let bracketDepth = 0;

  const enclosingType = (): { kind: "message" | "enum"; path: string } | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const s = stack[i]!;
      if (s.kind === "message" || s.kind === "enum") return s;
      if (s.kind === "other") return undefined;
    }
    return undefined;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const text = t.text;
    if (text === "[") bracketDepth++;
    else if (text === "]") bracketDepth = Math.max(0, bracketDepth - 1);
    if (bracketDepth > 0 || text === "]") continue;

    if (text === "{") {
      if (pending !== undefined) {
        const outer = enclosingType();
        const path = outer?.kind === "message" ? `${outer.path}.${pending.name}` : pending.name;
        types.set(path, pending.line);
        stack.push({ kind: pending.kind, path });
        pending = undefined;
      } else {
        const previousWord = tokens[i - 2]?.text;
        stack.push(previousWord === "oneof" ? { kind: "oneof" } : { kind: "other" });
      }
      continue;
    }
    if (text === "}") {
      stack.pop();
      continue;
    }
    if ((text === "message" || text === "enum") && IDENTIFIER.test(tokens[i + 1]?.text ?? "") && tokens[i + 2]?.text === "{") {
      pending = { kind: text, name: tokens[i + 1]!.text, line: tokens[i + 1]!.line };
      continue;
    }
    if (text === "package" && stack.length === 0) {
      packageLine = t.line;
      continue;
    }
    if (text === "=" && NUMBER.test(tokens[i + 1]?.text ?? "")) {
      const name = tokens[i - 1];
      if (name === undefined || !IDENTIFIER.test(name.text) || tokens[i - 2]?.text === "option") continue;
      const scope = enclosingType();
      if (scope !== undefined) members.set(`${scope.path}#${name.text}`, name.line);
    }
  }
  return packageLine === undefined ? { types, members } : { types, members, packageLine };
}

/** Every token with its line; string literals (quote, text, quote) collapse to one token. */
function tokenize(source: string): Token[] {
  const tn = protobuf.tokenize(source, false);
  const tokens: Token[] = [];
  for (let text = tn.next(); text !== null; text = tn.next()) {
    const line = tn.line;
    if (text === '"' || text === "'") {
      tn.next();
      tn.next();
      tokens.push({ text: "<string>", line });
      continue;
    }
    tokens.push({ text, line });
  }
  return tokens;
}
