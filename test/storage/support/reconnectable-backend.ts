import { ForwardingBackend } from "./forwarding-backend.js";

/** The application's backend object, over a connection it can close and open again (same store, same location): assign `inner`. */
export class Reconnectable extends ForwardingBackend {}
