import type { Finding } from "../finding.js";
import { projectFinding, type PairContext } from "../pair-context.js";

/** PACKAGE_CHANGED: one finding per file whose package moved, or per package that disappeared. */
export function checkPackageUnchanged(ctx: PairContext): Finding[] {
  if (!ctx.packageChanged) return [];
  const { older, newer } = ctx;
  const findings: Finding[] = [];
  const explained = new Set<string>();
  const newerByPath = new Map(newer.files.map((f) => [f.path, f]));
  for (const file of older.files) {
    const counterpart = newerByPath.get(file.path);
    if (counterpart === undefined || counterpart.package === file.package) continue;
    explained.add(file.package);
    findings.push(
      projectFinding(
        "PACKAGE_CHANGED",
        ctx,
        { model: newer, file: counterpart.path, ...(counterpart.packageLine === undefined ? {} : { line: counterpart.packageLine }) },
        `package changed from "${file.package}" (${older.label}) to "${counterpart.package}" (${newer.label}); ` +
          `keep "${file.package}" in every version folder: buf pairs messages by full name`,
      ),
    );
  }
  const newerPackages = new Set(newer.packages);
  const anchor = newer.files.find((f) => !older.packages.includes(f.package)) ?? newer.files[0]!;
  for (const pkg of older.packages) {
    if (newerPackages.has(pkg) || explained.has(pkg)) continue;
    const count = [...older.messages.keys()].filter((n) => pkg === "" || n.startsWith(`${pkg}.`)).length;
    findings.push(
      projectFinding(
        "PACKAGE_CHANGED",
        ctx,
        { model: newer, file: anchor.path, ...(anchor.packageLine === undefined ? {} : { line: anchor.packageLine }) },
        `package "${pkg}" of ${older.label} is gone in ${newer.label}, which declares ${newer.packages.map((p) => `"${p}"`).join(", ")}; ` +
          `with the file paths changed too, buf compared none of its ${count} messages and reported nothing. ` +
          `Keep "${pkg}" in every version folder`,
      ),
    );
  }
  return findings;
}
