import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { CliIo } from "./command.js";
import { CliError } from "./usage-error.js";

/**
 * The user's home folder: `env`'s HOME (os.homedir() read the process's own HOME, so `main()` given
 * another env still filled the real home). Windows keeps it in USERPROFILE. With HOME unset or
 * empty, the user database's home, as os.homedir() and login shells fall back to it (a service unit
 * without HOME still finds its user's home); never the process's HOME, which the given env
 * replaces. A user with no entry there (a container running as an arbitrary user id) has none: the
 * setup's, not a bug, so a usage error saying what to give instead (`remedy`).
 */
export function userHome(env: NodeJS.ProcessEnv, remedy: string): string {
  const home = env["HOME"] || (process.platform === "win32" ? env["USERPROFILE"] : undefined);
  if (home !== undefined && home !== "") return home;
  let listed: string | undefined;
  try {
    listed = userInfo().homedir;
  } catch {
    // No entry for this user id: no home, the usage error below.
  }
  if (listed !== undefined && listed !== "") return listed;
  throw new CliError("E_USAGE", `there is no home folder ($HOME is unset or empty and the user database has none); ${remedy}`);
}

/**
 * A path option's value as the user meant it, made absolute against the command's working folder.
 * A shell expands `~` only at the start of a word, and after `--home=` only bash in its default
 * mode does (zsh, sh and bash --posix do not): `--home=~/x` reached us as `~/x` and made a folder
 * literally named `~` in the working folder. A leading `~` or `~/` is the user's home (userHome,
 * from the env main() is given). `~user/…` would need the user database's entry of another user,
 * which Node does not offer: refused as a usage error naming the option, not taken literally either.
 * `./~`, `a/~` and `~` elsewhere in the path are left as they are: a shell leaves them too.
 */
export function pathOption(command: string, option: string, value: string, io: CliIo): string {
  return resolve(io.cwd, homeTilde(command, `--${option}`, `give --${option} without "~" (the home folder in full, or a relative path)`, value, io.env));
}

/**
 * `value` with a leading `~` or `~/` replaced by the user's home, as pathOption reads it; other
 * values as they are (a relative one stays relative). For a value no shell has looked at: a path
 * option after `=`, or an environment variable set where nothing expands it (systemd
 * `Environment=`, `export X="~/x"`, docker `-e`, an IDE's run configuration). `named` is how the
 * user gave it (`--home`, `$STATUS_COMPAT_HOME`); `remedy` what to do when there is no home.
 */
export function homeTilde(command: string, named: string, remedy: string, value: string, env: NodeJS.ProcessEnv): string {
  if (value === "~" || value.startsWith("~/") || (process.platform === "win32" && value.startsWith("~\\"))) {
    return join(userHome(env, remedy), value.slice(1));
  }
  if (value.startsWith("~")) {
    throw new CliError(
      "E_USAGE",
      `${command}: ${named} ${JSON.stringify(value)}: "~user" is not expanded here; give that user's home folder in full (or "./${value}" for a folder named so in the working folder)`,
    );
  }
  return value;
}
