export { BridgeError } from "./bridge-error.js";
export type { BridgeErrorCode } from "./bridge-error.js";
export type { PublishOptions, PublishResult, Unsubscribe, WakuMessage, WakuMessageHandler, WakuTransport } from "./transport.js";
