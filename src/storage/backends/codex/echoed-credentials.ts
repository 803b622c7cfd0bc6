/**
 * What an error answer may quote of the Basic credentials the backend sent (a node's or a proxy's
 * debug echo of the request, a gateway repeating the user it refused), in the forms it may take:
 * the header's token, the `user:password` it encodes, the password alone and as the URL wrote it.
 * The body is quoted in the error's message and details, which reach the CLI's stderr, the
 * journal's last_error and any log of the error.
 */
const CENSOR = "[credentials]";
/** A password shorter than this is not looked for alone: every such run of letters in a body would go. */
const MIN_PASSWORD_CHARS = 4;

/** `body` with every form of the credentials in `authorization` (`Basic <token>`, or undefined when none were sent) replaced. */
export function withoutEchoedCredentials(body: string, authorization: string | undefined): string {
  if (authorization === undefined) return body;
  const token = authorization.replace(/^Basic\s+/i, "");
  const pair = Buffer.from(token, "base64").toString("utf8");
  const password = pair.slice(pair.indexOf(":") + 1);
  const forms = [token, pair];
  if (password.length >= MIN_PASSWORD_CHARS) forms.push(password, encodeURIComponent(password));
  let clean = body;
  // Longest first: the pair holds the password, which would leave the user name glued to the censor.
  for (const form of forms.sort((a, b) => b.length - a.length)) if (form.length > 0) clean = clean.split(form).join(CENSOR);
  return clean;
}
