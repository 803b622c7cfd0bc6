/**
 * The upload's Content-Type check. A node looks the whole header value up in Nim's `mimetypes`
 * table (`getExt`, case-insensitive, exact match) and answers 422 when it finds no extension.
 *
 * That table holds well over a thousand types (image/heic, application/vnd.*, even non-IANA tops
 * such as chemical/ and x-world/), so a short allow-list here refused types a node accepts. Rather
 * than carry a copy of Nim's table, any syntactically valid `type/subtype` (RFC 6838 restricted
 * names) is accepted: a superset of the node's table. What a node always refuses stays refused:
 * parameters (`; charset=…`, since the whole value must match), a missing or extra `/`, spaces,
 * and names outside the RFC 6838 character set. The one difference left: a well-formed but
 * unregistered type (`image/x-made-up`) is accepted here and refused by a node.
 */
const RESTRICTED_NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
const MIME_TYPE = new RegExp(`^${RESTRICTED_NAME}/${RESTRICTED_NAME}$`);
const MAX_MIMETYPE = 255;

export function isAcceptedMimeType(value: string): boolean {
  return value.length <= MAX_MIMETYPE && MIME_TYPE.test(value);
}
