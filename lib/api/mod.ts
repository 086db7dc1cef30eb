/**
 * The application surface. For now: hosts on the in-memory network. The mTCP
 * API (contexts, the socket pool, epoll, errno) grows here, built on lib/tcp
 * and lib/iface, and the Deno-style Listener/Conn after it.
 *
 * This layer owns the event loop of a host; it must not parse packets itself.
 *
 * @module
 */

export * from "./host.ts";
