/**
 * errno values, socket constants and epoll flags, with Linux's numbers (mTCP
 * uses the same). `EPOLLET` is 1 << 31, which is negative as a JavaScript
 * int32: here it is the positive number 0x80000000, and every mask this
 * module hands out is normalised with `>>> 0`.
 *
 * @module
 */

/**
 * Operation not permitted (the context is shutting down).
 *
 * @example Every call on a destroyed context fails with EPERM
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EPERM, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_destroy_context, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * mtcp_destroy_context(ctx);
 * assert.equal(mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), -1);
 * assert.equal(ctx.errno, EPERM);
 * mtcp_destroy();
 * ```
 */
export const EPERM = 1;
/**
 * No such entry (epoll_ctl MOD/DEL of an unregistered socket).
 *
 * @example Changing an epoll registration that does not exist
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ENOENT, MTCP_EPOLLIN, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const ep = mtcp_epoll_create(ctx, 4);
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd }), -1);
 * assert.equal(ctx.errno, ENOENT);
 * mtcp_destroy();
 * ```
 */
export const ENOENT = 2;
/**
 * Interrupted (the context is being destroyed).
 *
 * @example A wait pending when its context is destroyed ends with EINTR
 * ```ts
 * import assert from "node:assert/strict";
 * import { EINTR, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_destroy_context, mtcp_epoll_create, mtcp_epoll_wait, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const ep = mtcp_epoll_create(ctx, 4);
 * const waiting = mtcp_epoll_wait(ctx, ep, [], 4, 60_000);
 * mtcp_destroy_context(ctx);
 * assert.equal(await waiting, -1);
 * assert.equal(ctx.errno, EINTR);
 * mtcp_destroy();
 * ```
 */
export const EINTR = 4;
/**
 * Bad descriptor.
 *
 * @example An id that was closed, even once its slot is reused, is EBADF
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EBADF, MemoryNetwork, SOCK_STREAM, mtcp_close, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const old = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_close(ctx, old);
 * const reused = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0); // the same slot, a new id
 * assert.notEqual(reused, old);
 * assert.equal(mtcp_close(ctx, old), -1);
 * assert.equal(ctx.errno, EBADF);
 * mtcp_destroy();
 * ```
 */
export const EBADF = 9;
/**
 * Try again: nothing to read, no room to write, nothing to accept.
 *
 * @example Accepting on a listener with nothing queued
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EAGAIN, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const lfd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(ctx, lfd);
 * mtcp_bind(ctx, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(ctx, lfd, 4);
 * assert.equal(mtcp_accept(ctx, lfd), -1);
 * assert.equal(ctx.errno, EAGAIN);
 * mtcp_destroy();
 * ```
 */
export const EAGAIN = 11;
/**
 * Same as EAGAIN on Linux.
 *
 * @example Reading a connection with nothing received yet
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EAGAIN, EWOULDBLOCK, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * assert.equal(mtcp_read(a, fd, new Uint8Array(16), 16), -1);
 * assert.equal(a.errno, EWOULDBLOCK); // the same number as EAGAIN
 * assert.equal(EWOULDBLOCK, EAGAIN);
 * mtcp_destroy();
 * ```
 */
export const EWOULDBLOCK: number = EAGAIN;
/**
 * Out of memory (buffer pool exhausted).
 *
 * @example A write when the context's buffer pool is used up
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ENOMEM, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2, max_num_buffers: 1 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const dst = { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 };
 * const fds = [0, 1].map(() => mtcp_socket(a, AF_INET, SOCK_STREAM, 0));
 * const ep = mtcp_epoll_create(a, 4);
 * for (const fd of fds) {
 *   mtcp_setsock_nonblock(a, fd);
 *   mtcp_connect(a, fd, dst);
 *   mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * }
 * while ((await mtcp_epoll_wait(a, ep, [], 4, 1000)) < 2);
 * const data = new Uint8Array(10);
 * assert.equal(mtcp_write(a, fds[0]!, data, 10), 10); // takes the one send buffer
 * assert.equal(mtcp_write(a, fds[1]!, data, 10), -1);
 * assert.equal(a.errno, ENOMEM);
 * mtcp_destroy();
 * ```
 */
export const ENOMEM = 12;
/**
 * Permission denied.
 *
 * @example Its name and Linux's number (no call of this stack returns it)
 * ```ts
 * import assert from "node:assert/strict";
 * import { EACCES, errnoName } from "../../mod.ts";
 * assert.equal(EACCES, 13);
 * assert.equal(errnoName(EACCES), "EACCES");
 * ```
 */
export const EACCES = 13;
/**
 * Bad address (a required argument is missing).
 *
 * @example connect without an address
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EFAULT, MemoryNetwork, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_connect(ctx, fd, null), -1);
 * assert.equal(ctx.errno, EFAULT);
 * mtcp_destroy();
 * ```
 */
export const EFAULT = 14;
/**
 * Already exists (epoll_ctl ADD twice).
 *
 * @example Registering a socket twice with one epoll instance
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EEXIST, MTCP_EPOLLIN, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const ep = mtcp_epoll_create(ctx, 4);
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ev = { events: MTCP_EPOLLIN, data: fd };
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, ev), 0);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, ev), -1);
 * assert.equal(ctx.errno, EEXIST);
 * mtcp_destroy();
 * ```
 */
export const EEXIST = 17;
/**
 * Invalid argument.
 *
 * @example A backlog of 0
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINVAL, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_listen, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * assert.equal(mtcp_listen(ctx, fd, 0), -1);
 * assert.equal(ctx.errno, EINVAL);
 * mtcp_destroy();
 * ```
 */
export const EINVAL = 22;
/**
 * Socket table full.
 *
 * @example The socket pool (max_concurrency) is full
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ENFILE, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1, max_concurrency: 2 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), -1);
 * assert.equal(ctx.errno, ENFILE);
 * mtcp_destroy();
 * ```
 */
export const ENFILE = 23;
/**
 * Broken pipe.
 *
 * @example Writing after shutting down the write side
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EPIPE, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SHUT_WR, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_shutdown, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * assert.equal(mtcp_shutdown(a, fd, SHUT_WR), 0);
 * assert.equal(mtcp_write(a, fd, new Uint8Array(4), 4), -1);
 * assert.equal(a.errno, EPIPE);
 * mtcp_destroy();
 * ```
 */
export const EPIPE = 32;
/**
 * Not implemented.
 *
 * @example Its name and Linux's number (no call of this stack returns it)
 * ```ts
 * import assert from "node:assert/strict";
 * import { ENOSYS, errnoName } from "../../mod.ts";
 * assert.equal(ENOSYS, 38);
 * assert.equal(errnoName(ENOSYS), "ENOSYS");
 * ```
 */
export const ENOSYS = 38;
/**
 * Not a socket (of the kind the call needs).
 *
 * @example A socket call on an epoll id
 * ```ts
 * import assert from "node:assert/strict";
 * import { ENOTSOCK, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_init, mtcp_listen } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_listen(ctx, ep, 4), -1);
 * assert.equal(ctx.errno, ENOTSOCK);
 * mtcp_destroy();
 * ```
 */
export const ENOTSOCK = 88;
/**
 * Protocol not available (unknown option).
 *
 * @example An option this stack does not know
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ENOPROTOOPT, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, SOL_SOCKET, 999, 1), -1);
 * assert.equal(ctx.errno, ENOPROTOOPT);
 * mtcp_destroy();
 * ```
 */
export const ENOPROTOOPT = 92;
/**
 * Protocol not supported.
 *
 * @example Its name and Linux's number (no call of this stack returns it)
 * ```ts
 * import assert from "node:assert/strict";
 * import { EPROTONOSUPPORT, errnoName } from "../../mod.ts";
 * assert.equal(EPROTONOSUPPORT, 93);
 * assert.equal(errnoName(EPROTONOSUPPORT), "EPROTONOSUPPORT");
 * ```
 */
export const EPROTONOSUPPORT = 93;
/**
 * Operation not supported.
 *
 * @example Its name and Linux's number (no call of this stack returns it)
 * ```ts
 * import assert from "node:assert/strict";
 * import { EOPNOTSUPP, errnoName } from "../../mod.ts";
 * assert.equal(EOPNOTSUPP, 95);
 * assert.equal(errnoName(EOPNOTSUPP), "EOPNOTSUPP");
 * ```
 */
export const EOPNOTSUPP = 95;
/**
 * Address family not supported.
 *
 * @example A socket of another family than AF_INET
 * ```ts
 * import assert from "node:assert/strict";
 * import { EAFNOSUPPORT, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const AF_INET6 = 10;
 * assert.equal(mtcp_socket(ctx, AF_INET6, SOCK_STREAM, 0), -1);
 * assert.equal(ctx.errno, EAFNOSUPPORT);
 * mtcp_destroy();
 * ```
 */
export const EAFNOSUPPORT = 97;
/**
 * Address in use.
 *
 * @example A second listener on a port
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EADDRINUSE, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_listen, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const any = { family: AF_INET, addr: INADDR_ANY, port: 80 };
 * const first = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(ctx, first, any);
 * mtcp_listen(ctx, first, 4);
 * const second = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_bind(ctx, second, any), -1);
 * assert.equal(ctx.errno, EADDRINUSE);
 * mtcp_destroy();
 * ```
 */
export const EADDRINUSE = 98;
/**
 * Address not available (no free port).
 *
 * @example Its name and Linux's number (no call of this stack returns it)
 * ```ts
 * import assert from "node:assert/strict";
 * import { EADDRNOTAVAIL, errnoName } from "../../mod.ts";
 * assert.equal(EADDRNOTAVAIL, 99);
 * assert.equal(errnoName(EADDRNOTAVAIL), "EADDRNOTAVAIL");
 * ```
 */
export const EADDRNOTAVAIL = 99;
/**
 * Network unreachable (no route).
 *
 * @example Connecting off the subnet with no gateway
 * ```ts
 * import assert from "node:assert/strict";
 * import { ENETUNREACH, MemoryNetwork, SocketError, createStack } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * await assert.rejects(
 *   client.connect({ hostname: "192.0.2.1", port: 80 }),
 *   (e) => e instanceof SocketError && e.errno === ENETUNREACH,
 * );
 * ```
 */
export const ENETUNREACH = 101;
/**
 * Connection reset by peer.
 *
 * @example The peer aborts: the next read reports ECONNRESET
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ECONNRESET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_abort, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_abort(b, s); // sends a RST
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * assert.equal(mtcp_read(a, fd, new Uint8Array(8), 8), -1);
 * assert.equal(a.errno, ECONNRESET);
 * mtcp_destroy();
 * ```
 */
export const ECONNRESET = 104;
/**
 * Already connected.
 *
 * @example connect on a connected socket
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EISCONN, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * const dst = { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 };
 * assert.equal(mtcp_connect(a, fd, dst), -1);
 * assert.equal(a.errno, EISCONN);
 * mtcp_destroy();
 * ```
 */
export const EISCONN = 106;
/**
 * Not connected.
 *
 * @example Reading a socket that never connected
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ENOTCONN, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_read, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_read(ctx, fd, new Uint8Array(8), 8), -1);
 * assert.equal(ctx.errno, ENOTCONN);
 * mtcp_destroy();
 * ```
 */
export const ENOTCONN = 107;
/**
 * Timed out.
 *
 * @example A connect nobody answers times out after tcp_syn_retries (virtual time)
 * ```ts
 * import assert from "node:assert/strict";
 * import { ETIMEDOUT, MemoryNetwork, SocketError, createStack } from "../../mod.ts";
 * const network = new MemoryNetwork(); // a virtual clock: the 3 s pass at once
 * await using client = createStack({
 *   network,
 *   address: "10.0.0.2/24",
 *   config: { tcp_syn_retries: 1 },
 * });
 * await assert.rejects(
 *   client.connect({ hostname: "10.0.0.3", port: 80 }), // no such host
 *   (e) => e instanceof SocketError && e.errno === ETIMEDOUT,
 * );
 * ```
 */
export const ETIMEDOUT = 110;
/**
 * Connection refused.
 *
 * @example Connecting to a port nobody listens on
 * ```ts
 * import assert from "node:assert/strict";
 * import { ECONNREFUSED, MemoryNetwork, SocketError, createStack } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * await assert.rejects(
 *   client.connect({ hostname: "10.0.0.1", port: 1 }),
 *   (e) => e instanceof SocketError && e.errno === ECONNREFUSED && e.code === "ECONNREFUSED",
 * );
 * ```
 */
export const ECONNREFUSED = 111;
/**
 * A connect is already in progress.
 *
 * @example A second connect while the first is in progress
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EALREADY, EINPROGRESS, MemoryNetwork, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(ctx, fd);
 * const dst = { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 };
 * assert.equal(mtcp_connect(ctx, fd, dst), -1);
 * assert.equal(ctx.errno, EINPROGRESS);
 * assert.equal(mtcp_connect(ctx, fd, dst), -1);
 * assert.equal(ctx.errno, EALREADY);
 * mtcp_destroy();
 * ```
 */
export const EALREADY = 114;
/**
 * Connect started on a nonblocking socket.
 *
 * @example A nonblocking connect has started
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINPROGRESS, MemoryNetwork, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(ctx, fd);
 * const dst = { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 };
 * assert.equal(mtcp_connect(ctx, fd, dst), -1);
 * assert.equal(ctx.errno, EINPROGRESS);
 * mtcp_destroy();
 * ```
 */
export const EINPROGRESS = 115;

const ERRNO_NAMES: Record<number, string> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [EINTR]: "EINTR",
  [EBADF]: "EBADF",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EACCES]: "EACCES",
  [EFAULT]: "EFAULT",
  [EEXIST]: "EEXIST",
  [EINVAL]: "EINVAL",
  [ENFILE]: "ENFILE",
  [EPIPE]: "EPIPE",
  [ENOSYS]: "ENOSYS",
  [ENOTSOCK]: "ENOTSOCK",
  [ENOPROTOOPT]: "ENOPROTOOPT",
  [EPROTONOSUPPORT]: "EPROTONOSUPPORT",
  [EOPNOTSUPP]: "EOPNOTSUPP",
  [EAFNOSUPPORT]: "EAFNOSUPPORT",
  [EADDRINUSE]: "EADDRINUSE",
  [EADDRNOTAVAIL]: "EADDRNOTAVAIL",
  [ENETUNREACH]: "ENETUNREACH",
  [ECONNRESET]: "ECONNRESET",
  [EISCONN]: "EISCONN",
  [ENOTCONN]: "ENOTCONN",
  [ETIMEDOUT]: "ETIMEDOUT",
  [ECONNREFUSED]: "ECONNREFUSED",
  [EALREADY]: "EALREADY",
  [EINPROGRESS]: "EINPROGRESS",
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
  return ERRNO_NAMES[errno] ?? `E?${errno}`;
}

/**
 * IPv4.
 *
 * @example The one address family: IPv4
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_getsockname, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const name = { family: 0, addr: 0, port: 0 };
 * mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 8080 });
 * mtcp_getsockname(ctx, fd, name);
 * assert.equal(name.family, AF_INET);
 * mtcp_destroy();
 * ```
 */
export const AF_INET = 2;
/**
 * Stream sockets.
 *
 * @example The one socket type: TCP streams
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINVAL, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * assert.ok(mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0) >= 0);
 * const SOCK_DGRAM = 2;
 * assert.equal(mtcp_socket(ctx, AF_INET, SOCK_DGRAM, 0), -1);
 * assert.equal(ctx.errno, EINVAL);
 * mtcp_destroy();
 * ```
 */
export const SOCK_STREAM = 1;
/**
 * The SOCK_NONBLOCK type flag (refused, as mTCP refuses it).
 *
 * @example Refused as a type flag, as mTCP does: use mtcp_setsock_nonblock
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINVAL, MemoryNetwork, SOCK_NONBLOCK, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsock_nonblock, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * assert.equal(mtcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), -1);
 * assert.equal(ctx.errno, EINVAL);
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsock_nonblock(ctx, fd), 0);
 * mtcp_destroy();
 * ```
 */
export const SOCK_NONBLOCK = 0o4000;
/**
 * Socket-level options.
 *
 * @example Socket-level options: the send buffer
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_SNDBUF, type SockOptValue, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsockopt(ctx, fd, SOL_SOCKET, SO_SNDBUF, 32768);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_SNDBUF, v);
 * assert.equal(v.value, 32768);
 * mtcp_destroy();
 * ```
 */
export const SOL_SOCKET = 1;
/**
 * TCP-level options.
 *
 * @example TCP-level options: TCP_NODELAY
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_NODELAY, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_NODELAY, v);
 * assert.equal(v.value, 1);
 * mtcp_destroy();
 * ```
 */
export const IPPROTO_TCP = 6;
/**
 * SO_REUSEADDR (accepted; a no-op here).
 *
 * @example Accepted and ignored: a closed listener's port is free at once anyway
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, SOL_SOCKET, SO_REUSEADDR, 1), 0);
 * mtcp_destroy();
 * ```
 */
export const SO_REUSEADDR = 2;
/**
 * SO_ERROR: the pending error, cleared when read.
 *
 * @example A refused nonblocking connect: SO_ERROR says why, once
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ECONNREFUSED, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_ERROR, type SockOptValue, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_getsockopt, mtcp_init, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const ctx = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * mtcp_create_context(1, { network, address: "10.0.0.2/24" }); // nobody listens there
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(ctx, fd);
 * mtcp_connect(ctx, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 9 });
 * const ep = mtcp_epoll_create(ctx, 4);
 * mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(ctx, ep, [], 4, 1000);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_ERROR, v);
 * assert.equal(v.value, ECONNREFUSED);
 * mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_ERROR, v);
 * assert.equal(v.value, 0); // reading it cleared it
 * mtcp_destroy();
 * ```
 */
export const SO_ERROR = 4;
/**
 * SO_SNDBUF.
 *
 * @example A smaller send buffer
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_SNDBUF, type SockOptValue, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, SOL_SOCKET, SO_SNDBUF, 16384), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_SNDBUF, v);
 * assert.equal(v.value, 16384);
 * mtcp_destroy();
 * ```
 */
export const SO_SNDBUF = 7;
/**
 * SO_RCVBUF.
 *
 * @example A larger receive buffer (and window)
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_RCVBUF, type SockOptValue, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, SOL_SOCKET, SO_RCVBUF, 262144), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_RCVBUF, v);
 * assert.equal(v.value, 262144);
 * mtcp_destroy();
 * ```
 */
export const SO_RCVBUF = 8;
/**
 * SO_KEEPALIVE.
 *
 * @example Keepalive probes on an idle connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_KEEPALIVE, type SockOptValue, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_KEEPALIVE, v);
 * assert.equal(v.value, 1);
 * mtcp_destroy();
 * ```
 */
export const SO_KEEPALIVE = 9;
/**
 * SO_LINGER.
 *
 * @example Linger 0: close resets the connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ECONNRESET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_LINGER, mtcp_accept, mtcp_bind, mtcp_close, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_setsockopt, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_setsockopt(a, fd, SOL_SOCKET, SO_LINGER, { l_onoff: 1, l_linger: 0 });
 * mtcp_close(a, fd); // a RST, no FIN
 * const sep = mtcp_epoll_create(b, 4);
 * mtcp_epoll_ctl(b, sep, MTCP_EPOLL_CTL_ADD, s, { events: MTCP_EPOLLIN, data: s });
 * await mtcp_epoll_wait(b, sep, [], 4, 1000);
 * assert.equal(mtcp_read(b, s, new Uint8Array(8), 8), -1);
 * assert.equal(b.errno, ECONNRESET);
 * mtcp_destroy();
 * ```
 */
export const SO_LINGER = 13;
/**
 * TCP_NODELAY.
 *
 * @example Nagle off: small writes leave at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_NODELAY, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_NODELAY, v);
 * assert.equal(v.value, 1);
 * mtcp_destroy();
 * ```
 */
export const TCP_NODELAY = 1;
/**
 * TCP_MAXSEG.
 *
 * @example The MSS a connection uses
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, IPPROTO_TCP, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_MAXSEG, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_getsockopt, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(a, fd, IPPROTO_TCP, TCP_MAXSEG, v);
 * assert.equal(v.value, 1448); // 1500 - 20 (IPv4) - 20 (TCP) - 12 (timestamps)
 * mtcp_destroy();
 * ```
 */
export const TCP_MAXSEG = 2;
/**
 * TCP_KEEPIDLE (seconds).
 *
 * @example Seconds idle before the first keepalive probe
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_KEEPIDLE, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPIDLE, 30), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPIDLE, v);
 * assert.equal(v.value, 30);
 * mtcp_destroy();
 * ```
 */
export const TCP_KEEPIDLE = 4;
/**
 * TCP_KEEPINTVL (seconds).
 *
 * @example Seconds between keepalive probes
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_KEEPINTVL, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPINTVL, 5), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPINTVL, v);
 * assert.equal(v.value, 5);
 * mtcp_destroy();
 * ```
 */
export const TCP_KEEPINTVL = 5;
/**
 * TCP_KEEPCNT.
 *
 * @example Unanswered probes before the connection is dropped
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_KEEPCNT, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPCNT, 3), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPCNT, v);
 * assert.equal(v.value, 3);
 * mtcp_destroy();
 * ```
 */
export const TCP_KEEPCNT = 6;
/**
 * TCP_CONGESTION ("newreno" or "cubic").
 *
 * @example Choosing the congestion control per socket
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINVAL, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_CONGESTION, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_CONGESTION, "newreno"), 0);
 * const v = { value: "" as SockOptValue };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_CONGESTION, v);
 * assert.equal(v.value, "newreno");
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_CONGESTION, "bbr"), -1);
 * assert.equal(ctx.errno, EINVAL);
 * mtcp_destroy();
 * ```
 */
export const TCP_CONGESTION = 13;
/**
 * TCP_USER_TIMEOUT (milliseconds).
 *
 * @example Milliseconds unacknowledged data may wait before the connection is dropped
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_USER_TIMEOUT, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000), 0);
 * const v = { value: 0 as SockOptValue };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, v);
 * assert.equal(v.value, 5000);
 * mtcp_destroy();
 * ```
 */
export const TCP_USER_TIMEOUT = 18;
/**
 * recv flag: look without consuming.
 *
 * @example Peeking leaves the bytes to read
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MSG_PEEK, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_recv, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_write(b, s, new TextEncoder().encode("hi"), 2);
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const buf = new Uint8Array(8);
 * assert.equal(mtcp_recv(a, fd, buf, 8, MSG_PEEK), 2);
 * assert.equal(mtcp_read(a, fd, buf, 8), 2); // still there
 * mtcp_destroy();
 * ```
 */
export const MSG_PEEK = 2;
/**
 * ioctl: bytes ready to read.
 *
 * @example Bytes ready to read
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, FIONREAD, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_socket_ioctl, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_write(b, s, new Uint8Array(100), 100);
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const n = { value: 0 };
 * assert.equal(mtcp_socket_ioctl(a, fd, FIONREAD, n), 0);
 * assert.equal(n.value, 100);
 * mtcp_destroy();
 * ```
 */
export const FIONREAD = 0x541b;
/**
 * ioctl: set nonblocking.
 *
 * @example Nonblocking mode through ioctl, as mtcp_setsock_nonblock does
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINPROGRESS, FIONBIO, MemoryNetwork, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket, mtcp_socket_ioctl, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_socket_ioctl(ctx, fd, FIONBIO, { value: 1 }), 0);
 * assert.equal(mtcp_connect(ctx, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 }), -1);
 * assert.equal(ctx.errno, EINPROGRESS);
 * mtcp_destroy();
 * ```
 */
export const FIONBIO = 0x5421;
/**
 * shutdown: reads.
 *
 * @example Shutting the read side: reads then see the end
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SHUT_RD, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_shutdown, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * assert.equal(mtcp_shutdown(a, fd, SHUT_RD), 0);
 * assert.equal(mtcp_read(a, fd, new Uint8Array(8), 8), 0);
 * mtcp_destroy();
 * ```
 */
export const SHUT_RD = 0;
/**
 * shutdown: writes.
 *
 * @example A half-close: the peer reads to the end, and may still answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SHUT_WR, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_shutdown, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_shutdown(a, fd, SHUT_WR); // our FIN
 * const sep = mtcp_epoll_create(b, 4);
 * mtcp_epoll_ctl(b, sep, MTCP_EPOLL_CTL_ADD, s, { events: MTCP_EPOLLIN, data: s });
 * await mtcp_epoll_wait(b, sep, [], 4, 1000);
 * assert.equal(mtcp_read(b, s, new Uint8Array(8), 8), 0); // end of stream
 * assert.equal(mtcp_write(b, s, new Uint8Array(3), 3), 3); // the other way still works
 * mtcp_destroy();
 * ```
 */
export const SHUT_WR = 1;
/**
 * shutdown: both.
 *
 * @example Both sides at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EPIPE, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SHUT_RDWR, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_shutdown, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * assert.equal(mtcp_shutdown(a, fd, SHUT_RDWR), 0);
 * assert.equal(mtcp_write(a, fd, new Uint8Array(1), 1), -1);
 * assert.equal(a.errno, EPIPE);
 * mtcp_destroy();
 * ```
 */
export const SHUT_RDWR = 2;
/**
 * epoll_create1 flag.
 *
 * @example The one flag mtcp_epoll_create1 accepts
 * ```ts
 * import assert from "node:assert/strict";
 * import { EINVAL, MemoryNetwork, O_CLOEXEC, mtcp_create_context, mtcp_destroy, mtcp_epoll_create1, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * assert.ok(mtcp_epoll_create1(ctx, O_CLOEXEC) >= 0);
 * assert.equal(mtcp_epoll_create1(ctx, 7), -1);
 * assert.equal(ctx.errno, EINVAL);
 * mtcp_destroy();
 * ```
 */
export const O_CLOEXEC = 0o2000000;
/**
 * The wildcard address.
 *
 * @example Binding every local address
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 80 }), 0);
 * mtcp_destroy();
 * ```
 */
export const INADDR_ANY = 0;
/**
 * "Any port" for bind.
 *
 * @example Port 0: the stack picks one when the socket listens or connects
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, INPORT_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_getsockname, mtcp_init, mtcp_listen, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: INPORT_ANY });
 * mtcp_listen(ctx, fd, 4);
 * const name = { family: 0, addr: 0, port: 0 };
 * mtcp_getsockname(ctx, fd, name);
 * assert.ok(name.port > 0);
 * mtcp_destroy();
 * ```
 */
export const INPORT_ANY = 0;

/**
 * epoll_ctl: register.
 *
 * @example Registering a listener for incoming connections
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_listen, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const lfd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(ctx, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(ctx, lfd, 4);
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, lfd, { events: MTCP_EPOLLIN, data: lfd }), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLL_CTL_ADD = 1;
/**
 * epoll_ctl: unregister.
 *
 * @example Removing a registration
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLIN, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_DEL, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLIN, data: fd });
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_DEL, fd), 0);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_DEL, fd), -1); // gone
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLL_CTL_DEL = 2;
/**
 * epoll_ctl: change.
 *
 * @example Watching for output only while there is some to send
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 0), 0); // writable, but not asked
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN | MTCP_EPOLLOUT, data: fd });
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 0), 1);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLL_CTL_MOD = 3;
/**
 * No events.
 *
 * @example No events: a registration that reports only errors and hang-ups
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLNONE, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLNONE, data: fd });
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 0), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLNONE = 0x000;
/**
 * Readable (or a connection to accept, or end of stream).
 *
 * @example Readable: data arrived
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, type MtcpEpollEvent, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_write(b, s, new Uint8Array(5), 5);
 * const events: MtcpEpollEvent[] = [];
 * assert.equal(await mtcp_epoll_wait(a, ep, events, 4, 1000), 1);
 * assert.equal(events[0]!.events & MTCP_EPOLLIN, MTCP_EPOLLIN);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLIN = 0x001;
/**
 * Urgent data (defined only).
 *
 * @example Urgent data: accepted in a mask, never reported (TCP urgent data is not supported)
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLLPRI, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLPRI, data: fd });
 * mtcp_write(b, s, new Uint8Array(5), 5);
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 10), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLPRI = 0x002;
/**
 * Writable (or an active open completed).
 *
 * @example Writable: a connect finished, or the send buffer has room
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
 * assert.equal(await mtcp_epoll_wait(a, ep, events, 4, 0), 1);
 * assert.deepEqual(events[0], { events: MTCP_EPOLLOUT, data: fd });
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLOUT = 0x004;
/**
 * An error is pending: always reported.
 *
 * @example A refused connect reports an error
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLERR, MTCP_EPOLLIN, MTCP_EPOLL_CTL_ADD, MemoryNetwork, type MtcpEpollEvent, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const ctx = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * mtcp_create_context(1, { network, address: "10.0.0.2/24" }); // nobody listens there
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(ctx, fd);
 * mtcp_connect(ctx, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 9 });
 * const ep = mtcp_epoll_create(ctx, 4);
 * mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLIN, data: fd });
 * const events: MtcpEpollEvent[] = [];
 * await mtcp_epoll_wait(ctx, ep, events, 4, 1000);
 * assert.ok(events[0]!.events & MTCP_EPOLLERR);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLERR = 0x008;
/**
 * Hang-up, both directions closed: always reported.
 *
 * @example Hang-up: both directions are closed
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLHUP, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, type MtcpEpollEvent, SOCK_STREAM, mtcp_abort, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_abort(b, s);
 * const events: MtcpEpollEvent[] = [];
 * await mtcp_epoll_wait(a, ep, events, 4, 1000);
 * assert.ok(events[0]!.events & MTCP_EPOLLHUP);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLHUP = 0x010;
/**
 * Same as IN.
 *
 * @example Normal data readable: accepted in a mask, reported as MTCP_EPOLLIN
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLRDNORM, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLRDNORM, data: fd }), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLRDNORM = 0x040;
/**
 * Defined only.
 *
 * @example Priority band readable: accepted in a mask, never reported
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLRDBAND, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLRDBAND, data: fd }), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLRDBAND = 0x080;
/**
 * Same as OUT.
 *
 * @example Normal data writable: accepted in a mask, reported as MTCP_EPOLLOUT
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLWRNORM, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLWRNORM, data: fd }), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLWRNORM = 0x100;
/**
 * Defined only.
 *
 * @example Priority band writable: accepted in a mask, never reported
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLWRBAND, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLWRBAND, data: fd }), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLWRBAND = 0x200;
/**
 * Defined only.
 *
 * @example Linux's EPOLLMSG: accepted in a mask, never reported
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLMSG, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLMSG, data: fd }), 0);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLMSG = 0x400;
/**
 * The peer closed its side (FIN or RST).
 *
 * @example The peer closed its side (a FIN arrived)
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLLRDHUP, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, type MtcpEpollEvent, SHUT_WR, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_shutdown, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLRDHUP, data: fd });
 * mtcp_shutdown(b, s, SHUT_WR);
 * const events: MtcpEpollEvent[] = [];
 * assert.equal(await mtcp_epoll_wait(a, ep, events, 4, 1000), 1);
 * assert.ok(events[0]!.events & MTCP_EPOLLRDHUP);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLRDHUP = 0x2000;
/**
 * Disarm after one report until MOD re-arms.
 *
 * @example One report, then the registration is disarmed until MOD re-arms it
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLONESHOT, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLOUT | MTCP_EPOLLONESHOT, data: fd });
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 0), 1);
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 0), 0); // disarmed
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLOUT | MTCP_EPOLLONESHOT, data: fd });
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 0), 1);
 * mtcp_destroy();
 * ```
 */
export const MTCP_EPOLLONESHOT = 0x40000000;
/**
 * Edge-triggered: report changes, not states. 1 << 31 as a positive number.
 *
 * @example Edge-triggered: reported once per change, not while it lasts
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLET, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN | MTCP_EPOLLET, data: fd });
 * mtcp_write(b, s, new Uint8Array(5), 5);
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 1000), 1);
 * assert.equal(await mtcp_epoll_wait(a, ep, [], 4, 0), 0); // still unread, but no new edge
 * assert.equal(MTCP_EPOLLET, 0x80000000);
 * mtcp_destroy();
 * ```
 */
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
