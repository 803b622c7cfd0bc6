/**
 * What a caller most likely meant when it gave a value that is no version range but holds one: the
 * profile whose window it is (`profileFor(3)` for `profileFor(3).window`) or an envelope's sender
 * Capabilities (`{ minVersion, maxVersion }` for `{ min, max }`). For the wire's and negotiation's
 * E_…_INVALID messages, which only saw "[undefined, undefined]"; "" when neither fits.
 */
export function rangeSlip(value: unknown): string {
  if (value === null || typeof value !== "object") return "";
  if ("window" in value && "protocol" in value) return " (a ProtocolProfile: pass its window, profile.window)";
  if ("minVersion" in value && "maxVersion" in value) return " (a sender's Capabilities: pass { min: sender.minVersion, max: sender.maxVersion })";
  return "";
}
