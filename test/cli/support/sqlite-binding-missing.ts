// Preloaded (node --import) into a CLI child: better-sqlite3's native part cannot load, as after an
// install whose scripts did not run (npm 11 lists "install scripts not yet covered by allowScripts",
// `npm install --ignore-scripts`) or a node_modules built under another Node. SQLITE_BINDING says
// which: "missing" (every path the `bindings` package tries is not found: "Could not locate the
// bindings file") or "other-node" (the file is there, built for another NODE_MODULE_VERSION, as Node says).
import { basename } from "node:path";

const how = process.env["SQLITE_BINDING"] ?? "missing";
const dlopen = process.dlopen.bind(process);
process.dlopen = (module: { exports: unknown }, filename: string, flags?: number): void => {
  if (basename(filename) !== "better_sqlite3.node") return dlopen(module, filename, flags);
  if (how === "missing") throw Object.assign(new Error(`Cannot find module '${filename}'`), { code: "MODULE_NOT_FOUND" });
  throw Object.assign(
    new Error(`The module '${filename}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. This version of Node.js requires\nNODE_MODULE_VERSION 115. Please try re-compiling or re-installing\nthe module (for instance, using \`npm rebuild\` or \`npm install\`).`),
    { code: "ERR_DLOPEN_FAILED" },
  );
};
