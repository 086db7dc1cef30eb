/**
 * HTTP/1.1, sans I/O: the one request parser ({@linkcode RequestParser},
 * limits in {@linkcode HttpLimits}), the response head writer and the status
 * table. The appliance's static server, its built-in responder and
 * `serveHttp` all speak HTTP through this module.
 *
 * @module
 */

export * from "./request.ts";
export * from "./response.ts";
export * from "./status.ts";
export * from "./target.ts";
export * from "./conditional.ts";
