import type { Finding } from "../finding.js";
import { projectFinding, type PairContext } from "../pair-context.js";

/**
 * ROOT_MESSAGE_REMOVED: a message no field uses as its type is decoded on its own (an envelope
 * payload); the newer version may drop it only once the older one stopped writing it, which the
 * older schema says with `@retired`. Messages used by fields are covered by the field rules.
 */
export function checkRootMessages(ctx: PairContext): Finding[] {
  const removed = new Set(ctx.removedMessages.map((m) => m.fullName));
  const findings: Finding[] = [];
  for (const message of ctx.removedMessages) {
    if (message.retired || ctx.older.referencedMessages.has(message.fullName)) continue;
    if (message.parent !== undefined && removed.has(message.parent)) continue;
    findings.push(
      projectFinding(
        "ROOT_MESSAGE_REMOVED",
        ctx,
        { model: ctx.older, file: message.file, ...(message.line === undefined ? {} : { line: message.line }), symbol: message.fullName },
        `${message.fullName} is gone in ${ctx.newer.label}, so ${ctx.newer.label} cannot decode the ones ${ctx.older.label} writes; ` +
          `keep it, or first mark it \`@retired\` in a version that no longer writes it`,
      ),
    );
  }
  return findings;
}
