/**
 * Applications on the stack, built on lib/api and lib/http, each a small
 * class: the epoll server loop ({@linkcode TcpServer}), the static-file
 * server and built-in responder ({@linkcode StaticFiles}), the proxy
 * ({@linkcode TcpProxy} with an {@linkcode UpstreamPool}), the load
 * generator ({@linkcode LoadGenerator}), the runner of a command on one core
 * or N workers ({@linkcode runStackCommand}), the stack builder behind the
 * command line's flags, `demo`, ping, the client exchange, and `serveHttp`
 * for standard Request/Response handlers.
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
export * from "./runner.ts";
export * from "./tcp_client.ts";
export * from "./tcp_server.ts";
