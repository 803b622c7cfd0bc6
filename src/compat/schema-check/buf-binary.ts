import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { arch, endianness, platform } from "node:os";
import { SchemaCheckError } from "./schema-check-error.js";

/** The platform packages `@bufbuild/buf` installs as optional dependencies, by `platform arch`. */
const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  "linux x64": "@bufbuild/buf-linux-x64",
  "linux arm64": "@bufbuild/buf-linux-aarch64",
  "linux arm": "@bufbuild/buf-linux-armv7",
  "darwin x64": "@bufbuild/buf-darwin-x64",
  "darwin arm64": "@bufbuild/buf-darwin-arm64",
  "win32 x64": "@bufbuild/buf-win32-x64",
  "win32 arm64": "@bufbuild/buf-win32-arm64",
};

export interface ResolveBufOptions {
  /** A buf binary chosen by the user (`--buf`, `STATUS_COMPAT_BUF`); used as is when given. */
  readonly explicit?: string;
  /** Module path or URL to resolve `@bufbuild/buf` from; defaults to this package. */
  readonly from?: string;
}

/**
 * How to choose another binary, ending each E_TOOL_MISSING message: `schema check`'s --buf. The
 * matrix takes no buf of the user's, and drops it from the message (it sent a CI engineer to an
 * option matrix does not have).
 */
export const BUF_PATH_HINT = " or pass --buf PATH";

const INSTALL_HINT = `install it with \`npm i -D @bufbuild/buf@1.75.0\`${BUF_PATH_HINT}`;

/**
 * The native buf binary bundled by `@bufbuild/buf` (its platform package), run directly: no npx
 * and no Node shim in between. Throws E_TOOL_MISSING with what to do when there is none.
 */
export function resolveBufBinary(options: ResolveBufOptions = {}): string {
  if (options.explicit !== undefined && options.explicit !== "") {
    assertExecutable(options.explicit, `buf binary ${options.explicit}`);
    return options.explicit;
  }
  const key = `${platform()} ${arch()}`;
  const pkg = endianness() === "LE" ? PLATFORM_PACKAGES[key] : undefined;
  if (pkg === undefined) {
    throw new SchemaCheckError("E_TOOL_MISSING", `@bufbuild/buf ships no binary for ${key}; ${INSTALL_HINT}`, { details: { platform: key } });
  }
  const binary = `bin/buf${platform() === "win32" ? ".exe" : ""}`;
  const require = createRequire(options.from ?? import.meta.url);
  let path: string | undefined;
  for (const attempt of [
    () => require.resolve(`${pkg}/${binary}`),
    // npm may nest the platform package under @bufbuild/buf instead of hoisting it.
    () => createRequire(require.resolve("@bufbuild/buf/package.json")).resolve(`${pkg}/${binary}`),
  ]) {
    try {
      path = attempt();
      break;
    } catch {
      // not there; try the next place
    }
  }
  if (path === undefined) {
    throw new SchemaCheckError("E_TOOL_MISSING", `buf is not installed (${pkg} not found); ${INSTALL_HINT}`, { details: { package: pkg } });
  }
  assertExecutable(path, `buf binary ${path}`);
  return path;
}

function assertExecutable(path: string, what: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new SchemaCheckError("E_TOOL_MISSING", `${what} is missing or not executable; ${INSTALL_HINT}`, {
      cause: error,
      details: { path },
    });
  }
}
