/**
 * The application surface: mTCP's API (contexts, the socket pool, epoll,
 * errno) over the TCP engine; a Deno-shaped API on the same engine
 * (`createStack`, `listen`/`connect` with web streams, `SocketError`); and
 * hosts on any network (memory or a ring device).
 *
 * This layer owns the event loop of a context; it must not parse packets
 * itself.
 *
 * @module
 */

export * from "./config.ts";
export * from "./constants.ts";
export * from "./context.ts";
export * from "./socket_pool.ts";
export * from "./connection_pool.ts";
export * from "./demux.ts";
export * from "./event_loop.ts";
export * from "./transmit.ts";
export * from "./driver.ts";
export * from "./epoll.ts";
export * from "./host.ts";
export * from "./mtcp.ts";
export * from "./deno_net.ts";
