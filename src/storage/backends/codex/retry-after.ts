/** `Sun Nov  6 08:49:37 1994`: the one HTTP-date form without a zone. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * A `Retry-After` header (RFC 9110 §10.2.3), as a gateway in front of a node sends it with 503 or
 * 429: whole seconds, or an HTTP date. Returns the wait in ms, or undefined for anything else (a
 * negative or fractional number, words, an unparsable date), which the client then ignores; a date
 * already past is 0. How long a wait is honoured is the retry policy's business (maxRetryAfterMs).
 *
 * A date is a time on the gateway's clock: it is measured from the answer's own `Date` (`dateHeader`,
 * from the same clock) when that is a date, as RFC 9110 suggests, and from the device clock
 * (`nowMs`) only without one. A phone's clock set back or running ahead (before network time)
 * otherwise turned "10 s" into the policy's cap, or into no wait at all.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number = Date.now(), dateHeader?: string | readonly string[]): number | undefined {
  const text = firstOf(value);
  if (text === undefined || text === "") return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const at = httpDate(text);
  if (at === undefined) return undefined;
  const sent = httpDate(firstOf(dateHeader) ?? "");
  return Math.max(0, at - (sent ?? nowMs));
}

function firstOf(value: string | readonly string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/** An HTTP date in ms since the epoch, or undefined when `text` is not one. */
function httpDate(text: string): number | undefined {
  // An HTTP date names a weekday and GMT (IMF-fixdate, or the obsolete RFC 850 / asctime forms); a bare number or word is not one.
  if (!/^[A-Za-z]{3}/.test(text) || !/\d{1,2}:\d{2}:\d{2}/.test(text)) return undefined;
  // An HTTP date is GMT (RFC 9110 §5.6.7): the asctime form names no zone, and a gateway that formats
  // the others by hand may leave it off; Date.parse would take a zone-less date as the device's local time.
  const at = Date.parse(ASCTIME.test(text) || /\d:\d{2}$/.test(text) ? `${text} GMT` : text);
  return Number.isNaN(at) ? undefined : at;
}
