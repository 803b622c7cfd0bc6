// Preloaded (node -r) into a CLI child: @bufbuild/buf and its platform packages resolve as if
// they were not installed, as after `npm ci --omit=optional` or on a platform buf ships no binary for.
const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (typeof request === "string" && request.startsWith("@bufbuild/buf")) {
    const error = new Error(`Cannot find module '${request}'`);
    error.code = "MODULE_NOT_FOUND";
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
