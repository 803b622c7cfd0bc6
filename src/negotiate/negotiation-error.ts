import { CompatError } from "../errors/index.js";

export type NegotiationErrorCode =
  /** A member reads only versions below the writer's window (it runs a release too old to talk to). */
  | "E_PEER_TOO_OLD"
  /** A member reads only versions above the writer's window (this client is too old for it). */
  | "E_PEER_TOO_NEW"
  /** Every member is inside the window, but no single version is read by all of them. */
  | "E_NO_COMMON_VERSION"
  /** More members than the audience kind allows (group 20, community 10,000). */
  | "E_AUDIENCE_TOO_LARGE"
  /** The audience is malformed: unknown kind, a 1:1 peer without exactly one member. */
  | "E_AUDIENCE_INVALID"
  /** A version range is malformed: not integers, below 1, above uint32, or min > max. */
  | "E_RANGE_INVALID"
  /** The payload kind is not one negotiation knows (see NegotiatedPayloadKind). */
  | "E_PAYLOAD_KIND_UNKNOWN"
  /** The writer's newest version predates the payload kind (a protocol-1 client has no FileReference), or its release does not write the kind (0.3.0: no whole community description). */
  | "E_PAYLOAD_NOT_WRITABLE";

export class NegotiationError extends CompatError<NegotiationErrorCode> {
  readonly layer = "negotiate" as const;
}

// hasErrorCode narrows a negotiate code to NegotiationError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    negotiate: NegotiationError;
  }
}
