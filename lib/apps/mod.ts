/**
 * Applications on the stack, built only on lib/api: ping, an epoll-driven
 * TCP server loop with echo and discard handlers, and a small HTTP responder.
 *
 * @module
 */

export * from "./http_responder.ts";
export * from "./http_serve.ts";
export * from "./http_static.ts";
export * from "./ping.ts";
export * from "./tcp_client.ts";
export * from "./tcp_server.ts";
