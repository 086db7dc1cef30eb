/**
 * errno values, socket constants and epoll flags, with Linux's numbers (mTCP
 * uses the same). `EPOLLET` is 1 << 31, which is negative as a JavaScript
 * int32: here it is the positive number 0x80000000, and every mask this
 * module hands out is normalised with `>>> 0`.
 *
 * @module
 */

/** Operation not permitted (the context is shutting down). */
export const EPERM = 1;
/** No such entry (epoll_ctl MOD/DEL of an unregistered socket). */
export const ENOENT = 2;
/** Interrupted (the context is being destroyed). */
export const EINTR = 4;
/** Bad descriptor. */
export const EBADF = 9;
/** Try again: nothing to read, no room to write, nothing to accept. */
export const EAGAIN = 11;
/** Same as EAGAIN on Linux. */
export const EWOULDBLOCK: number = EAGAIN;
/** Out of memory (buffer pool exhausted). */
export const ENOMEM = 12;
/** Permission denied. */
export const EACCES = 13;
/** Bad address (a required argument is missing). */
export const EFAULT = 14;
/** Already exists (epoll_ctl ADD twice). */
export const EEXIST = 17;
/** Invalid argument. */
export const EINVAL = 22;
/** Socket table full. */
export const ENFILE = 23;
/** Broken pipe. */
export const EPIPE = 32;
/** Not implemented. */
export const ENOSYS = 38;
/** Not a socket (of the kind the call needs). */
export const ENOTSOCK = 88;
/** Protocol not available (unknown option). */
export const ENOPROTOOPT = 92;
/** Protocol not supported. */
export const EPROTONOSUPPORT = 93;
/** Operation not supported. */
export const EOPNOTSUPP = 95;
/** Address family not supported. */
export const EAFNOSUPPORT = 97;
/** Address in use. */
export const EADDRINUSE = 98;
/** Address not available (no free port). */
export const EADDRNOTAVAIL = 99;
/** Network unreachable (no route). */
export const ENETUNREACH = 101;
/** Connection reset by peer. */
export const ECONNRESET = 104;
/** Already connected. */
export const EISCONN = 106;
/** Not connected. */
export const ENOTCONN = 107;
/** Timed out. */
export const ETIMEDOUT = 110;
/** Connection refused. */
export const ECONNREFUSED = 111;
/** A connect is already in progress. */
export const EALREADY = 114;
/** Connect started on a nonblocking socket. */
export const EINPROGRESS = 115;

const ERRNO: Record<number, readonly [string, string]> = {
  [EPERM]: ["EPERM", "operation not permitted"],
  [ENOENT]: ["ENOENT", "no such entry"],
  [EINTR]: ["EINTR", "interrupted"],
  [EBADF]: ["EBADF", "bad socket descriptor"],
  [EAGAIN]: ["EAGAIN", "resource temporarily unavailable"],
  [ENOMEM]: ["ENOMEM", "out of memory"],
  [EACCES]: ["EACCES", "permission denied"],
  [EFAULT]: ["EFAULT", "bad address"],
  [EEXIST]: ["EEXIST", "already exists"],
  [EINVAL]: ["EINVAL", "invalid argument"],
  [ENFILE]: ["ENFILE", "too many open sockets"],
  [EPIPE]: ["EPIPE", "broken pipe"],
  [ENOSYS]: ["ENOSYS", "not implemented"],
  [ENOTSOCK]: ["ENOTSOCK", "not a socket"],
  [ENOPROTOOPT]: ["ENOPROTOOPT", "protocol not available"],
  [EPROTONOSUPPORT]: ["EPROTONOSUPPORT", "protocol not supported"],
  [EOPNOTSUPP]: ["EOPNOTSUPP", "operation not supported"],
  [EAFNOSUPPORT]: ["EAFNOSUPPORT", "address family not supported"],
  [EADDRINUSE]: ["EADDRINUSE", "address in use"],
  [EADDRNOTAVAIL]: ["EADDRNOTAVAIL", "address not available"],
  [ENETUNREACH]: ["ENETUNREACH", "network unreachable"],
  [ECONNRESET]: ["ECONNRESET", "connection reset by peer"],
  [EISCONN]: ["EISCONN", "already connected"],
  [ENOTCONN]: ["ENOTCONN", "not connected"],
  [ETIMEDOUT]: ["ETIMEDOUT", "connection timed out"],
  [ECONNREFUSED]: ["ECONNREFUSED", "connection refused"],
  [EALREADY]: ["EALREADY", "operation already in progress"],
  [EINPROGRESS]: ["EINPROGRESS", "operation in progress"],
};

/**
 * The name of an errno value (`"EAGAIN"`), or `"E?<n>"` for one this module does not define.
 *
 * @example Names for messages and logs
 * ```ts
 * import assert from "node:assert/strict";
 * import { EAGAIN, ECONNREFUSED, errnoName } from "../../mod.ts";
 * assert.equal(errnoName(ECONNREFUSED), "ECONNREFUSED");
 * assert.equal(errnoName(EAGAIN), "EAGAIN");
 * assert.equal(errnoName(4242), "E?4242");
 * ```
 */
export function errnoName(errno: number): string {
  return ERRNO[errno]?.[0] ?? `E?${errno}`;
}

/**
 * What an errno value means, in lower case as Linux's strerror words it
 * (`"address in use"`), or `"error <n>"` for one this module does not define.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EADDRINUSE, errnoText } from "../../mod.ts";
 * assert.equal(errnoText(EADDRINUSE), "address in use");
 * ```
 */
export function errnoText(errno: number): string {
  return ERRNO[errno]?.[1] ?? `error ${errno}`;
}

/**
 * The one way this project words an errno for an operator or a user:
 * `NAME: text`, and what it was about in parentheses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EADDRINUSE, describeErrno } from "../../mod.ts";
 * assert.equal(describeErrno(EADDRINUSE, "10.0.0.2:8080"), "EADDRINUSE: address in use (10.0.0.2:8080)");
 * assert.equal(describeErrno(EADDRINUSE), "EADDRINUSE: address in use");
 * ```
 */
export function describeErrno(errno: number, subject?: string): string {
  return `${errnoName(errno)}: ${errnoText(errno)}${subject !== undefined ? ` (${subject})` : ""}`;
}

/** IPv4. */
export const AF_INET = 2;
/** Stream sockets. */
export const SOCK_STREAM = 1;
/** The SOCK_NONBLOCK type flag (refused, as mTCP refuses it). */
export const SOCK_NONBLOCK = 0o4000;
/** Socket-level options. */
export const SOL_SOCKET = 1;
/** TCP-level options. */
export const IPPROTO_TCP = 6;
/** SO_REUSEADDR (accepted; a no-op here). */
export const SO_REUSEADDR = 2;
/** SO_ERROR: the pending error, cleared when read. */
export const SO_ERROR = 4;
/** SO_SNDBUF. */
export const SO_SNDBUF = 7;
/** SO_RCVBUF. */
export const SO_RCVBUF = 8;
/** SO_KEEPALIVE. */
export const SO_KEEPALIVE = 9;
/** SO_LINGER. */
export const SO_LINGER = 13;
/** TCP_NODELAY. */
export const TCP_NODELAY = 1;
/** TCP_MAXSEG. */
export const TCP_MAXSEG = 2;
/** TCP_KEEPIDLE (seconds). */
export const TCP_KEEPIDLE = 4;
/** TCP_KEEPINTVL (seconds). */
export const TCP_KEEPINTVL = 5;
/** TCP_KEEPCNT. */
export const TCP_KEEPCNT = 6;
/** TCP_QUICKACK: 1 leaves interactive (pingpong) mode and ACKs at once, 0 enters it. */
export const TCP_QUICKACK = 12;
/** TCP_CONGESTION ("newreno" or "cubic"). */
export const TCP_CONGESTION = 13;
/** TCP_USER_TIMEOUT (milliseconds). */
export const TCP_USER_TIMEOUT = 18;
/** recv flag: look without consuming. */
export const MSG_PEEK = 2;
/** ioctl: bytes ready to read. */
export const FIONREAD = 0x541b;
/** ioctl: set nonblocking. */
export const FIONBIO = 0x5421;
/** shutdown: reads. */
export const SHUT_RD = 0;
/** shutdown: writes. */
export const SHUT_WR = 1;
/** shutdown: both. */
export const SHUT_RDWR = 2;
/** epoll_create1 flag. */
export const O_CLOEXEC = 0o2000000;
/** The wildcard address. */
export const INADDR_ANY = 0;
/** "Any port" for bind. */
export const INPORT_ANY = 0;

/** epoll_ctl: register. */
export const MTCP_EPOLL_CTL_ADD = 1;
/** epoll_ctl: unregister. */
export const MTCP_EPOLL_CTL_DEL = 2;
/** epoll_ctl: change. */
export const MTCP_EPOLL_CTL_MOD = 3;
/** No events. */
export const MTCP_EPOLLNONE = 0x000;
/** Readable (or a connection to accept, or end of stream). */
export const MTCP_EPOLLIN = 0x001;
/** Urgent data (defined only). */
export const MTCP_EPOLLPRI = 0x002;
/** Writable (or an active open completed). */
export const MTCP_EPOLLOUT = 0x004;
/** An error is pending: always reported. */
export const MTCP_EPOLLERR = 0x008;
/** Hang-up, both directions closed: always reported. */
export const MTCP_EPOLLHUP = 0x010;
/** Same as IN. */
export const MTCP_EPOLLRDNORM = 0x040;
/** Defined only. */
export const MTCP_EPOLLRDBAND = 0x080;
/** Same as OUT. */
export const MTCP_EPOLLWRNORM = 0x100;
/** Defined only. */
export const MTCP_EPOLLWRBAND = 0x200;
/** Defined only. */
export const MTCP_EPOLLMSG = 0x400;
/** The peer closed its side (FIN or RST). */
export const MTCP_EPOLLRDHUP = 0x2000;
/** Disarm after one report until MOD re-arms. */
export const MTCP_EPOLLONESHOT = 0x40000000;
/** Edge-triggered: report changes, not states. 1 << 31 as a positive number. */
export const MTCP_EPOLLET = 0x80000000;

/**
 * An IPv4 socket address, the `struct sockaddr_in` of this API.
 *
 * @example An address filled in by the call, like C's struct sockaddr_in
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, type SockAddr, formatIpv4, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_getpeername, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const peer: SockAddr = { family: 0, addr: 0, port: 0 };
 * mtcp_getpeername(b, s, peer);
 * assert.equal(formatIpv4(peer.addr), "10.0.0.1");
 * assert.equal(peer.family, AF_INET);
 * mtcp_destroy();
 * ```
 */
export interface SockAddr {
  /** Always {@linkcode AF_INET}. */
  family: number;
  /** IPv4 address as a uint32 (0 for any). */
  addr: number;
  /** Port. */
  port: number;
}

/**
 * SO_LINGER's value.
 *
 * @example SO_LINGER's value, read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, type Linger, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_LINGER, type SockOptValue, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const linger: Linger = { l_onoff: 1, l_linger: 5 };
 * mtcp_setsockopt(ctx, fd, SOL_SOCKET, SO_LINGER, linger);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_LINGER, v);
 * assert.deepEqual(v.value, linger);
 * mtcp_destroy();
 * ```
 */
export interface Linger {
  /** Non-zero to linger. */
  l_onoff: number;
  /** Seconds; 0 with l_onoff resets the connection on close. */
  l_linger: number;
}

/**
 * One epoll event, `struct mtcp_epoll_event`.
 *
 * @example The events array epoll_wait fills
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, type MtcpEpollEvent, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const events: MtcpEpollEvent[] = [];
 * const n = await mtcp_epoll_wait(a, ep, events, 4, 0);
 * assert.equal(n, 1);
 * assert.equal(events[0]!.data, fd);
 * mtcp_destroy();
 * ```
 */
export interface MtcpEpollEvent {
  /** Event bits. */
  events: number;
  /** What was registered with the socket: its id, or anything else. */
  data: number;
}
