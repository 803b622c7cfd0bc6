import { describedValue } from "../errors/index.js";
import type { ReleaseTable } from "../versions/index.js";
import type { Audience } from "./audience.js";
import { checkedOptions } from "./checked-options.js";
import { chooseWriteVersion, type WriteChoice } from "./choose-write-version.js";
import { NegotiationError } from "./negotiation-error.js";
import type { VersionRange } from "./version-range.js";

/**
 * The largest file sent inline. An inline attachment travels inside one Waku envelope (at most
 * 150 KiB with the envelope's own fields); 100 KiB of data leaves room for those and the name.
 */
export const INLINE_ATTACHMENT_MAX_BYTES = 100 * 1024;

export interface AttachmentChoice {
  /** How the file travels: inside the message, or as a FileReference to Codex. */
  readonly kind: "inline-attachment" | "file-reference";
  /** The envelope to write for it (version, minReader, fallbackText, who it does not reach). */
  readonly write: WriteChoice;
}

/** As chooseWriteVersion's (`outsiders`, `table` checked alike); another key is a TypeError. */
export interface ChooseAttachmentOptions {
  /** A lower inline limit than INLINE_ATTACHMENT_MAX_BYTES; a higher one is not honoured (the envelope could not carry it). */
  readonly inlineMaxBytes?: number;
  readonly outsiders?: "reject" | "fallback";
  readonly table?: ReleaseTable;
}

/** The keys ChooseAttachmentOptions has (the compiler holds the two together); any other is refused (checkedOptions). */
const ATTACHMENT_OPTIONS: readonly string[] = Object.freeze(
  Object.keys({ inlineMaxBytes: true, outsiders: true, table: true } satisfies Record<keyof ChooseAttachmentOptions, true>),
);

function attempt(fn: () => WriteChoice): WriteChoice | NegotiationError {
  try {
    return fn();
  } catch (error) {
    if (error instanceof NegotiationError) return error;
    throw error;
  }
}

/**
 * How to send a file of `sizeBytes` to an audience: a FileReference when everyone reads those;
 * otherwise inline when the file is small enough (release 0.1.0 members read inline attachments
 * only); otherwise a FileReference anyway, whose fallback text tells the older members to update.
 * A writer that cannot write FileReferences (protocol 1) sends small files inline and refuses
 * larger ones with E_PAYLOAD_NOT_WRITABLE; so is an empty file, which neither payload carries.
 */
export function chooseAttachment(
  self: VersionRange,
  audience: Audience,
  sizeBytes: number,
  options: ChooseAttachmentOptions = {},
): AttachmentChoice {
  // `payload` is not one: this function chooses it (a caller's was ignored).
  options = checkedOptions("chooseAttachment", options, ATTACHMENT_OPTIONS);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    throw new NegotiationError("E_RANGE_INVALID", `file size ${describedValue(sizeBytes)} is not a byte count`, { details: { sizeBytes } });
  }
  const asked = options.inlineMaxBytes;
  // NaN or a negative limit would silently never send inline (a protocol 1 writer then sends nothing).
  if (asked !== undefined && (typeof asked !== "number" || !(asked >= 0) || (Number.isFinite(asked) && !Number.isInteger(asked)))) {
    throw new NegotiationError(
      "E_RANGE_INVALID",
      `chooseAttachment option inlineMaxBytes must be a whole number of bytes, 0 or more (above ${INLINE_ATTACHMENT_MAX_BYTES}, Infinity included: ${INLINE_ATTACHMENT_MAX_BYTES}), not ${describedValue(asked)}`,
      { details: { inlineMaxBytes: asked } },
    );
  }
  // Neither payload carries zero bytes (an inline attachment's data and a FileReference's
  // plaintext_size are required non-empty): say so, rather than choose one the writer then refuses.
  if (sizeBytes === 0) {
    throw new NegotiationError(
      "E_PAYLOAD_NOT_WRITABLE",
      "an empty file cannot be sent: neither an inline attachment nor a FileReference carries zero bytes",
      { details: { sizeBytes } },
    );
  }
  const common = { outsiders: options.outsiders, table: options.table };
  const reference = attempt(() => chooseWriteVersion(self, audience, { ...common, payload: "file-reference" }));
  if (!(reference instanceof NegotiationError) && reference.unreached === 0) return { kind: "file-reference", write: reference };

  // Never above what one Waku envelope carries: an inline choice the wire then refuses to write sends nothing.
  const inlineMax = Math.min(options.inlineMaxBytes ?? INLINE_ATTACHMENT_MAX_BYTES, INLINE_ATTACHMENT_MAX_BYTES);
  if (sizeBytes <= inlineMax) {
    const inline = attempt(() => chooseWriteVersion(self, audience, { ...common, payload: "inline-attachment" }));
    const better = reference instanceof NegotiationError || (!(inline instanceof NegotiationError) && inline.unreached < reference.unreached);
    if (!(inline instanceof NegotiationError) && better) return { kind: "inline-attachment", write: inline };
  }
  if (reference instanceof NegotiationError) {
    // No single version reaches everyone (a group split around the writer: 0.1.0 and 0.3.0 members
    // under 0.2.0). Members outside the window were refused before this (E_PEER_TOO_OLD/NEW), so
    // send it anyway at the version that reaches the most, as for those older members alone.
    if (reference.code !== "E_NO_COMMON_VERSION" || options.outsiders === "fallback") throw reference;
    return { kind: "file-reference", write: chooseWriteVersion(self, audience, { ...common, outsiders: "fallback", payload: "file-reference" }) };
  }
  return { kind: "file-reference", write: reference };
}
