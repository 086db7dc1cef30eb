/**
 * Applications on the stack, built only on lib/api: the appliance's `serve`
 * (static HTTP, echo, discard), `proxy` and `bench`, the stack builder behind
 * the command line's flags, `demo`, ping, the epoll server loop and client,
 * and `serveHttp` for standard Request/Response handlers.
 *
 * @module
 */

export * from "./appliance.ts";
export * from "./bench.ts";
export * from "./commands.ts";
export * from "./demo.ts";
export * from "./proxy.ts";
export * from "./stack.ts";
export * from "./http_serve.ts";
export * from "./http_static.ts";
export * from "./ping.ts";
export * from "./tcp_client.ts";
export * from "./tcp_server.ts";
