import { publicKeyOf, SECRET_KEY_BYTES } from "../crypto/index.js";
import { hasErrorCode } from "../errors/index.js";

/**
 * Runs `use`, a crypto step on the bridge's `secretKey` (publicKeyOf, signDigest), with a key it
 * cannot use refused as a RangeError naming the option, as the receiver refuses a `communityId`
 * that is no community's key (communityHex) and the bridge refuses its other options. The one check
 * of a secret key given to the bridge: `new DescriptionPublisher`, sealCommunityDescription,
 * sealCommunityDescriptionPointer and signPayloadBytes (all public) refuse a key alike. It was the
 * crypto layer's CryptoError E_CRYPTO_BAD_PARAMS, a class the package entry does not export, naming
 * no option. The curve's own check (zero, not below the order) is the one `use` makes, so refusing
 * costs no second derivation. The key's bytes are never in the message.
 */
export function withSecretKey<T>(secretKey: unknown, use: (secretKey: Uint8Array) => T): T {
  const shape = `secretKey must be the community's ${SECRET_KEY_BYTES}-byte secp256k1 secret key (a Uint8Array holding a number from 1 to the curve's order less 1)`;
  if (!(secretKey instanceof Uint8Array)) throw new RangeError(`${shape}, not ${secretKey === null ? "null" : typeof secretKey}`);
  if (secretKey.byteLength !== SECRET_KEY_BYTES) throw new RangeError(`${shape}, not ${secretKey.byteLength} bytes`);
  try {
    return use(secretKey);
  } catch (error) {
    // Only the key's refusal: a digest the step refused would be the bridge's fault, not the caller's key.
    if (!hasErrorCode(error, "E_CRYPTO_BAD_PARAMS") || error.details["param"] !== "secretKey") throw error;
    throw new RangeError(`${shape}; these ${SECRET_KEY_BYTES} bytes are zero or not below the order`, { cause: error });
  }
}

/** The community ID (compressed public key) of the publisher's `secretKey`, a key it cannot use refused by withSecretKey. */
export function communityIdOf(secretKey: unknown): Uint8Array {
  return withSecretKey(secretKey, publicKeyOf);
}
