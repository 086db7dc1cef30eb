/**
 * mTCP's errno contract, one condition at a time, for every call
 * (mTCP's man pages, and mTCP's code where they are silent).
 */
import assert from "node:assert/strict";
import * as M from "../lib/mod.ts";
import {
  acceptOne,
  advance,
  connected,
  connectTo,
  listenOn,
  makePair,
  pairTest,
  run,
  SERVER,
} from "./_support/mtcp_pair.ts";

function fails(ctx: M.MtcpContext, rc: number, errno: number, what: string): void {
  assert.equal(rc, -1, `${what} should fail`);
  assert.equal(M.errnoName(ctx.errno), M.errnoName(errno), what);
}

const addr = (a: number, port: number): M.SockAddr => ({ family: M.AF_INET, addr: a, port });

Deno.test(pairTest(
  "mtcp_socket: EAFNOSUPPORT, EINVAL for other types (SOCK_NONBLOCK too), EPROTONOSUPPORT for a protocol other than 0 or TCP, ENFILE when the pool is full",
  ({ server: c }) => {
    fails(c, M.mtcp_socket(c, 10, M.SOCK_STREAM, 0), M.EAFNOSUPPORT, "AF_INET6");
    fails(c, M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 17), M.EPROTONOSUPPORT, "UDP");
    fails(c, M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, -1), M.EPROTONOSUPPORT, "-1");
    const tcp = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, M.IPPROTO_TCP);
    assert.ok(tcp >= 0, "IPPROTO_TCP is TCP");
    assert.equal(M.mtcp_close(c, tcp), 0);
    fails(c, M.mtcp_socket(c, M.AF_INET, 2, 0), M.EINVAL, "SOCK_DGRAM");
    fails(
      c,
      M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM | M.SOCK_NONBLOCK, 0),
      M.EINVAL,
      "SOCK_NONBLOCK",
    );
    const ids: number[] = [];
    for (;;) {
      const id = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
      if (id < 0) break;
      ids.push(id);
    }
    assert.equal(ids.length, 256, "max_concurrency sockets");
    assert.equal(M.errnoName(c.errno), "ENFILE");
    assert.equal(M.mtcp_close(c, ids[0]!), 0);
    assert.ok(M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0) >= 0, "a closed id's slot is reusable");
  },
));

Deno.test(pairTest(
  "socket ids: a stale id gives EBADF, never the newer socket in its slot",
  ({ server: c }) => {
    const a = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_close(c, a);
    // Exhaust the pool so the slot comes round again.
    const ids: number[] = [];
    for (let i = 0; i < 256; i++) ids.push(M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0));
    assert.ok(ids.every((id) => id >= 0));
    assert.ok(!ids.includes(a), "the new socket in the old slot has a new id");
    fails(c, M.mtcp_bind(c, a, addr(0, 80)), M.EBADF, "bind on a stale id");
    fails(c, M.mtcp_close(c, a), M.EBADF, "close on a stale id");
    fails(c, M.mtcp_close(c, 123456789), M.EBADF, "an id never given out");
  },
));

Deno.test(pairTest(
  "mtcp_bind: EBADF, ENOTSOCK on an epoll, EINVAL (no address, wrong family, bound twice, not our address), EADDRINUSE",
  ({ server: c }) => {
    fails(c, M.mtcp_bind(c, 99999, addr(0, 80)), M.EBADF, "bad id");
    const ep = M.mtcp_epoll_create(c, 4);
    fails(c, M.mtcp_bind(c, ep, addr(0, 80)), M.ENOTSOCK, "epoll");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    fails(c, M.mtcp_bind(c, s, null), M.EINVAL, "null address");
    fails(c, M.mtcp_bind(c, s, { family: 10, addr: 0, port: 80 }), M.EINVAL, "AF_INET6");
    fails(
      c,
      M.mtcp_bind(c, s, addr(M.parseIpv4Address("10.0.0.9")!, 80)),
      M.EINVAL,
      "not our address",
    );
    assert.equal(M.mtcp_bind(c, s, addr(SERVER, 80)), 0);
    fails(c, M.mtcp_bind(c, s, addr(0, 81)), M.EINVAL, "bound twice");
    M.mtcp_listen(c, s, 4);
    const t = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    fails(c, M.mtcp_bind(c, t, addr(0, 80)), M.EADDRINUSE, "port of a listener");
  },
));

Deno.test(pairTest(
  "mtcp_listen: EBADF, ENOTSOCK, EINVAL for a backlog that is not an integer or a second listen, EADDRINUSE",
  ({ server: c }) => {
    fails(c, M.mtcp_listen(c, 99999, 4), M.EBADF, "bad id");
    fails(c, M.mtcp_listen(c, M.mtcp_epoll_create(c, 1), 4), M.ENOTSOCK, "epoll");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_bind(c, s, addr(0, 80));
    fails(c, M.mtcp_listen(c, s, 1.5), M.EINVAL, "backlog 1.5");
    fails(c, M.mtcp_listen(c, s, NaN), M.EINVAL, "backlog NaN");
    assert.equal(M.mtcp_listen(c, s, 4), 0);
    fails(c, M.mtcp_listen(c, s, 4), M.EINVAL, "listening already");
    const t = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    assert.equal(
      M.mtcp_listen(c, t, 4),
      0,
      "an unbound socket listens on an ephemeral port, as on Linux",
    );
    const name: M.SockAddr = { family: 0, addr: 0, port: 0 };
    M.mtcp_getsockname(c, t, name);
    assert.ok(name.port >= 32768 && name.port <= 60999);
  },
));

Deno.test("mtcp_listen: a second listener on a port is EADDRINUSE", () => {
  const pair = makePair();
  try {
    const c = pair.server;
    listenOn(c, 80);
    const t = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    // bind refuses first; a listener that skipped bind is refused by listen itself.
    fails(c, M.mtcp_bind(c, t, addr(0, 80)), M.EADDRINUSE, "bind");
  } finally {
    M.mtcp_destroy();
  }
});

Deno.test(pairTest(
  "mtcp_accept: EBADF, EINVAL (not a listener), EAGAIN (nothing queued), ENFILE (no id free)",
  (pair) => {
    const c = pair.server;
    fails(c, M.mtcp_accept(c, 99999), M.EBADF, "bad id");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    fails(c, M.mtcp_accept(c, s), M.EINVAL, "not listening");
    const lfd = listenOn(c, 80);
    fails(c, M.mtcp_accept(c, lfd), M.EAGAIN, "empty queue");
    connectTo(pair.client, SERVER, 80);
    run(pair, () => c.acceptQueueLength(c.slotOf(lfd)) === 1);
    const hog: number[] = [];
    for (;;) {
      const id = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
      if (id < 0) break;
      hog.push(id);
    }
    const peer: M.SockAddr = { family: 0, addr: 0, port: 0 };
    fails(c, M.mtcp_accept(c, lfd, peer), M.ENFILE, "no socket id");
    assert.equal(c.acceptQueueLength(c.slotOf(lfd)), 1, "the connection stays queued");
    M.mtcp_close(c, hog.pop()!);
    const fd = M.mtcp_accept(c, lfd, peer);
    assert.ok(fd >= 0);
    assert.equal(peer.family, M.AF_INET);
    assert.equal(M.formatIpv4(peer.addr), "10.0.0.1");
    assert.ok(peer.port >= 32768);
  },
));

Deno.test(pairTest(
  "mtcp_connect: EBADF, ENOTSOCK, EFAULT, EAFNOSUPPORT, ENETUNREACH (no route), EINPROGRESS, EALREADY, EISCONN",
  (pair) => {
    const c = pair.client;
    fails(c, M.mtcp_connect(c, 99999, addr(SERVER, 80)), M.EBADF, "bad id");
    fails(c, M.mtcp_connect(c, M.mtcp_epoll_create(c, 1), addr(SERVER, 80)), M.ENOTSOCK, "epoll");
    const lfd = listenOn(c, 90);
    fails(c, M.mtcp_connect(c, lfd, addr(SERVER, 80)), M.ENOTSOCK, "listener");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    fails(c, M.mtcp_connect(c, s, null), M.EFAULT, "no address");
    fails(
      c,
      M.mtcp_connect(c, s, { family: 10, addr: SERVER, port: 80 }),
      M.EAFNOSUPPORT,
      "AF_INET6",
    );
    fails(
      c,
      M.mtcp_connect(c, s, addr(M.parseIpv4Address("192.0.2.1")!, 80)),
      M.ENETUNREACH,
      "off-subnet, no gateway",
    );
    listenOn(pair.server, 80);
    fails(c, M.mtcp_connect(c, s, addr(SERVER, 80)), M.EINPROGRESS, "nonblocking start");
    fails(c, M.mtcp_connect(c, s, addr(SERVER, 80)), M.EALREADY, "in progress");
    run(pair, () => c.isConnected(c.slotOf(s)));
    fails(c, M.mtcp_connect(c, s, addr(SERVER, 80)), M.EISCONN, "connected");
  },
));

Deno.test(pairTest(
  "mtcp_connect to a closed port: EPOLLERR, then SO_ERROR is ECONNREFUSED and clears",
  async (pair) => {
    const c = pair.client;
    const s = connectTo(c, SERVER, 4444);
    const ep = M.mtcp_epoll_create(c, 4);
    M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, s, { events: M.MTCP_EPOLLOUT, data: s });
    const events: M.MtcpEpollEvent[] = [];
    assert.equal(await M.mtcp_epoll_wait(c, ep, events, 4, 5000), 1);
    assert.ok(events[0]!.events & M.MTCP_EPOLLERR);
    assert.ok(events[0]!.events & M.MTCP_EPOLLHUP);
    const v = { value: -1 as M.SockOptValue };
    assert.equal(M.mtcp_getsockopt(c, s, M.SOL_SOCKET, M.SO_ERROR, v), 0);
    assert.equal(v.value, M.ECONNREFUSED);
    M.mtcp_getsockopt(c, s, M.SOL_SOCKET, M.SO_ERROR, v);
    assert.equal(v.value, 0, "SO_ERROR is cleared by reading it");
  },
));

Deno.test(pairTest(
  "mtcp_read/recv/readv: EBADF, ENOTSOCK, ENOTCONN, EAGAIN, EINVAL flags; 0 at end of stream",
  (pair) => {
    const c = pair.client;
    const buf = new Uint8Array(16);
    fails(c, M.mtcp_read(c, 99999, buf, 16), M.EBADF, "bad id");
    const ep = M.mtcp_epoll_create(c, 1);
    fails(c, M.mtcp_read(c, ep, buf, 16), M.ENOTSOCK, "epoll");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    fails(c, M.mtcp_read(c, s, buf, 16), M.ENOTCONN, "never connected");
    fails(c, M.mtcp_readv(c, s, [buf]), M.ENOTCONN, "readv never connected");
    const [cfd, sfd] = connected(pair);
    fails(c, M.mtcp_read(c, cfd, buf, 16), M.EAGAIN, "nothing yet");
    fails(c, M.mtcp_recv(c, cfd, buf, 16, 64), M.EINVAL, "MSG_OOB-like flags");
    const text = new TextEncoder().encode("peekaboo");
    M.mtcp_write(pair.server, sfd, text, text.length);
    run(pair, () => c.connection(c.slotOf(cfd))!.readable === 8);
    assert.equal(M.mtcp_recv(c, cfd, buf, 4, M.MSG_PEEK), 4);
    assert.equal(new TextDecoder().decode(buf.subarray(0, 4)), "peek");
    const a = new Uint8Array(3), b = new Uint8Array(10);
    assert.equal(M.mtcp_readv(c, cfd, [a, b]), 8, "readv fills buffers in order");
    assert.equal(
      new TextDecoder().decode(a) + new TextDecoder().decode(b.subarray(0, 5)),
      "peekaboo",
    );
    M.mtcp_close(pair.server, sfd);
    run(pair, () => c.connection(c.slotOf(cfd))!.readClosed);
    assert.equal(M.mtcp_read(c, cfd, buf, 16), 0, "end of stream");
  },
));

Deno.test(pairTest(
  "mtcp_write/writev: EBADF, ENOTSOCK, ENOTCONN, EAGAIN when full, EPIPE after shutdown",
  (pair) => {
    const c = pair.client;
    const data = new Uint8Array(100_000);
    fails(c, M.mtcp_write(c, 99999, data, 10), M.EBADF, "bad id");
    fails(c, M.mtcp_write(c, M.mtcp_epoll_create(c, 1), data, 10), M.ENOTSOCK, "epoll");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    fails(c, M.mtcp_write(c, s, data, 10), M.ENOTCONN, "never connected");
    const [cfd] = connected(pair);
    assert.equal(M.mtcp_write(c, cfd, data, 0), 0, "zero bytes");
    assert.equal(
      M.mtcp_write(c, cfd, data, data.length),
      65536,
      "a partial write up to the buffer",
    );
    fails(c, M.mtcp_write(c, cfd, data, 10), M.EAGAIN, "buffer full");
    fails(c, M.mtcp_writev(c, cfd, [data]), M.EAGAIN, "writev buffer full");
    run(pair, () => c.connection(c.slotOf(cfd))!.writable > 0);
    assert.equal(M.mtcp_shutdown(c, cfd, M.SHUT_WR), 0);
    fails(c, M.mtcp_write(c, cfd, data, 10), M.EPIPE, "after SHUT_WR");
  },
));

Deno.test(
  pairTest("mtcp_write and mtcp_write_from: ENOMEM when the buffer pool is exhausted", (pair) => {
    const [cfd] = connected(pair);
    const c = pair.client;
    // max_num_buffers 2: one receive and one send buffer in all. The first
    // write takes the send buffer until its data is acknowledged (the peer
    // acknowledges at once, so nothing runs in between).
    const s2 = connected(pair, 81)[0];
    const data = new Uint8Array(10);
    assert.equal(M.mtcp_write(c, cfd, data, 10), 10);
    fails(c, M.mtcp_write(c, s2, data, 10), M.ENOMEM, "no send buffer left");
    fails(c, M.mtcp_write_from(c, s2, () => 10, 10), M.ENOMEM, "none for write_from either");
  }, { max_num_buffers: 2 }),
);

Deno.test(pairTest(
  "mtcp_write_from: the errors of mtcp_write, 0 from a source at its end, and the bytes a partial fill gave",
  (pair) => {
    const c = pair.client;
    let produced = 0;
    const fill = (into: Uint8Array) => {
      into.fill(0x41);
      produced += into.length;
      return into.length;
    };
    fails(c, M.mtcp_write_from(c, 99999, fill, 10), M.EBADF, "bad id");
    fails(c, M.mtcp_write_from(c, M.mtcp_epoll_create(c, 1), fill, 10), M.ENOTSOCK, "epoll");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    fails(c, M.mtcp_write_from(c, s, fill, 10), M.ENOTCONN, "never connected");
    const [cfd] = connected(pair);
    assert.equal(M.mtcp_write_from(c, cfd, fill, 0), 0, "zero bytes");
    assert.equal(M.mtcp_write_from(c, cfd, () => 0, 10), 0, "a source at its end");
    assert.equal(c.buffersInUse, 0, "an empty source holds no send buffer");
    assert.equal(M.mtcp_write_from(c, cfd, (into) => (into[0] = 1, 1), 10), 1, "a short fill");
    assert.equal(M.mtcp_write_from(c, cfd, fill, 1_000_000), 65535, "up to the buffer");
    assert.equal(produced, 65535);
    fails(c, M.mtcp_write_from(c, cfd, fill, 10), M.EAGAIN, "buffer full");
    run(pair, () => c.connection(c.slotOf(cfd))!.writable > 0);
    assert.equal(M.mtcp_shutdown(c, cfd, M.SHUT_WR), 0);
    fails(c, M.mtcp_write_from(c, cfd, fill, 10), M.EPIPE, "after SHUT_WR");
  },
));

Deno.test(pairTest(
  "a reset connection: read gives ECONNRESET once, then end of stream; write gives ECONNRESET then EPIPE",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    const c = pair.client;
    M.mtcp_abort(pair.server, sfd);
    run(pair, () => c.stateOf(c.slotOf(cfd)) === "CLOSED");
    const buf = new Uint8Array(8);
    fails(c, M.mtcp_read(c, cfd, buf, 8), M.ECONNRESET, "first read");
    assert.equal(M.mtcp_read(c, cfd, buf, 8), 0, "then end of stream");
    fails(c, M.mtcp_write(c, cfd, buf, 8), M.EPIPE, "write after the error was reported");
  },
));

Deno.test(pairTest(
  "mtcp_close: EBADF for bad and already-closed ids; closing works in every state",
  (pair) => {
    const c = pair.client;
    fails(c, M.mtcp_close(c, 99999), M.EBADF, "bad id");
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    assert.equal(M.mtcp_close(c, s), 0, "never connected");
    fails(c, M.mtcp_close(c, s), M.EBADF, "twice");
    const [cfd] = connected(pair);
    M.mtcp_shutdown(c, cfd, M.SHUT_WR);
    run(pair, () => c.stateOf(c.slotOf(cfd)) === "FIN-WAIT-2");
    assert.equal(M.mtcp_close(c, cfd), 0, "in FIN-WAIT-2 (mTCP refuses)");
  },
));

Deno.test(pairTest("mtcp_shutdown: EBADF, ENOTSOCK, EINVAL (how), ENOTCONN", (pair) => {
  const c = pair.client;
  fails(c, M.mtcp_shutdown(c, 99999, M.SHUT_WR), M.EBADF, "bad id");
  fails(c, M.mtcp_shutdown(c, M.mtcp_epoll_create(c, 1), M.SHUT_WR), M.ENOTSOCK, "epoll");
  const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
  fails(c, M.mtcp_shutdown(c, s, M.SHUT_WR), M.ENOTCONN, "never connected");
  const [cfd] = connected(pair);
  fails(c, M.mtcp_shutdown(c, cfd, 7), M.EINVAL, "bad how");
}));

Deno.test(pairTest(
  "getsockname/getpeername: EBADF, EINVAL addrlen, ENOTSOCK, ENOTCONN; the local address of an accepted socket",
  (pair) => {
    const s = pair.server;
    const a: M.SockAddr = { family: 0, addr: 0, port: 0 };
    fails(s, M.mtcp_getsockname(s, 99999, a), M.EBADF, "bad id");
    const ep = M.mtcp_epoll_create(s, 1);
    fails(s, M.mtcp_getsockname(s, ep, a), M.ENOTSOCK, "epoll");
    const t = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
    fails(s, M.mtcp_getsockname(s, t, a, { value: 0 }), M.EINVAL, "addrlen 0");
    fails(s, M.mtcp_getpeername(s, t, a), M.ENOTCONN, "not connected");
    const [, sfd] = connected(pair);
    assert.equal(M.mtcp_getsockname(s, sfd, a), 0);
    assert.equal(M.formatIpv4(a.addr), "10.0.0.2", "local, not the peer (mTCP's bug)");
    assert.equal(a.port, 80);
    assert.equal(M.mtcp_getpeername(s, sfd, a), 0);
    assert.equal(M.formatIpv4(a.addr), "10.0.0.1");
  },
));

Deno.test(pairTest(
  "ioctl: FIONREAD counts bytes, FIONBIO sets nonblocking; EBADF, EFAULT, EINVAL",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    const c = pair.client;
    const v = { value: -1 };
    assert.equal(M.mtcp_socket_ioctl(c, cfd, M.FIONREAD, v), 0);
    assert.equal(v.value, 0);
    M.mtcp_write(pair.server, sfd, new Uint8Array(1234), 1234);
    run(pair, () => (M.mtcp_socket_ioctl(c, cfd, M.FIONREAD, v), v.value === 1234));
    assert.equal(M.mtcp_socket_ioctl(c, cfd, M.FIONBIO, { value: 1 }), 0);
    fails(c, M.mtcp_socket_ioctl(c, 99999, M.FIONREAD, v), M.EBADF, "bad id");
    fails(c, M.mtcp_socket_ioctl(c, M.mtcp_epoll_create(c, 1), M.FIONREAD, v), M.EBADF, "epoll");
    fails(c, M.mtcp_socket_ioctl(c, cfd, M.FIONREAD, null), M.EFAULT, "no argp");
    fails(c, M.mtcp_socket_ioctl(c, cfd, 0x1234, v), M.EINVAL, "unknown request");
  },
));

Deno.test(pairTest(
  "getsockopt/setsockopt act: every option reads back what was set; ENOPROTOOPT, EINVAL, EFAULT",
  (pair) => {
    const [cfd] = connected(pair);
    const c = pair.client;
    const v = { value: 0 as M.SockOptValue };
    const setget = (
      level: number,
      name: number,
      value: M.SockOptValue,
      expect: M.SockOptValue = value,
    ) => {
      assert.equal(M.mtcp_setsockopt(c, cfd, level, name, value), 0, `set ${name}`);
      assert.equal(M.mtcp_getsockopt(c, cfd, level, name, v), 0, `get ${name}`);
      assert.deepEqual(v.value, expect, `option ${name}`);
    };
    setget(M.IPPROTO_TCP, M.TCP_NODELAY, 1);
    setget(M.SOL_SOCKET, M.SO_KEEPALIVE, 1);
    setget(M.IPPROTO_TCP, M.TCP_KEEPIDLE, 30);
    setget(M.IPPROTO_TCP, M.TCP_KEEPINTVL, 5);
    setget(M.IPPROTO_TCP, M.TCP_KEEPCNT, 3);
    setget(M.IPPROTO_TCP, M.TCP_CONGESTION, "newreno");
    setget(M.IPPROTO_TCP, M.TCP_USER_TIMEOUT, 5000);
    setget(M.SOL_SOCKET, M.SO_SNDBUF, 32768);
    setget(M.SOL_SOCKET, M.SO_LINGER, { l_onoff: 1, l_linger: 0 });
    assert.equal(
      c.connection(c.slotOf(cfd))!.cc.name,
      "newreno",
      "TCP_CONGESTION switched the controller",
    );
    assert.equal(M.mtcp_getsockopt(c, cfd, M.IPPROTO_TCP, M.TCP_MAXSEG, v), 0);
    assert.equal(v.value, 1448, "MSS less the timestamp option");
    fails(
      c,
      M.mtcp_setsockopt(c, cfd, M.IPPROTO_TCP, M.TCP_CONGESTION, "bbr"),
      M.EINVAL,
      "unknown algorithm",
    );
    fails(c, M.mtcp_setsockopt(c, cfd, M.SOL_SOCKET, 999, 1), M.ENOPROTOOPT, "unknown option");
    fails(c, M.mtcp_getsockopt(c, cfd, 255, M.SO_ERROR, v), M.ENOPROTOOPT, "unknown level");
    fails(c, M.mtcp_getsockopt(c, cfd, M.SOL_SOCKET, M.SO_ERROR, null), M.EFAULT, "no optval");
    fails(c, M.mtcp_setsockopt(c, 99999, M.SOL_SOCKET, M.SO_KEEPALIVE, 1), M.EBADF, "bad id");
    fails(
      c,
      M.mtcp_setsockopt(c, M.mtcp_epoll_create(c, 1), M.SOL_SOCKET, M.SO_KEEPALIVE, 1),
      M.ENOTSOCK,
      "epoll",
    );
  },
));

Deno.test(pairTest(
  "epoll calls: EINVAL size, ENOENT, EEXIST, EBADF, EINVAL op and target; epoll_wait EBADF/EINVAL",
  async (pair) => {
    const c = pair.client;
    fails(c, M.mtcp_epoll_create(c, 0), M.EINVAL, "size 0");
    fails(c, M.mtcp_epoll_create1(c, 7), M.EINVAL, "flags");
    const ep = M.mtcp_epoll_create1(c, M.O_CLOEXEC);
    assert.ok(ep >= 0);
    const s = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    const ev = { events: M.MTCP_EPOLLIN, data: s };
    fails(c, M.mtcp_epoll_ctl(c, 99999, M.MTCP_EPOLL_CTL_ADD, s, ev), M.EBADF, "bad epoll id");
    fails(c, M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, 99999, ev), M.EBADF, "bad socket id");
    fails(c, M.mtcp_epoll_ctl(c, s, M.MTCP_EPOLL_CTL_ADD, s, ev), M.EINVAL, "not an epoll");
    fails(c, M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, ep, ev), M.EINVAL, "itself");
    fails(c, M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, s, null), M.EINVAL, "no event");
    fails(c, M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_MOD, s, ev), M.ENOENT, "MOD unregistered");
    fails(c, M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_DEL, s), M.ENOENT, "DEL unregistered");
    assert.equal(M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, s, ev), 0);
    fails(c, M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, s, ev), M.EEXIST, "ADD twice");
    fails(c, M.mtcp_epoll_ctl(c, ep, 9, s, ev), M.EINVAL, "bad op");
    const events: M.MtcpEpollEvent[] = [];
    assert.equal(await M.mtcp_epoll_wait(c, 99999, events, 4, 0), -1);
    assert.equal(M.errnoName(c.errno), "EBADF");
    assert.equal(await M.mtcp_epoll_wait(c, s, events, 4, 0), -1);
    assert.equal(M.errnoName(c.errno), "EINVAL");
    assert.equal(await M.mtcp_epoll_wait(c, ep, events, 0, 0), -1);
    assert.equal(M.errnoName(c.errno), "EINVAL");
    assert.equal(await M.mtcp_epoll_wait(c, ep, null, 4, 0), -1);
    assert.equal(M.errnoName(c.errno), "EINVAL");
  },
));

Deno.test("a destroyed context: calls fail with EPERM, a pending epoll_wait ends with EINTR", async () => {
  const pair = makePair();
  const c = pair.client;
  const ep = M.mtcp_epoll_create(c, 4);
  // A listener with nothing queued: no event will come (a never-connected
  // socket would report EPOLLHUP at once, as on Linux).
  const s = listenOn(c, 80);
  M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, s, { events: M.MTCP_EPOLLIN, data: s });
  const waiting = M.mtcp_epoll_wait(c, ep, [], 4, -1);
  // Let the wait start, then destroy the context under it.
  await new Promise((r) => setTimeout(r, 1));
  M.mtcp_destroy_context(c);
  assert.equal(await waiting, -1);
  assert.equal(M.errnoName(c.errno), "EINTR");
  assert.equal(M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0), -1);
  assert.equal(M.errnoName(c.errno), "EPERM");
  M.mtcp_destroy();
});

Deno.test("mtcp_init: an unknown key is an error naming it; create_context refuses a core out of range", () => {
  assert.equal(M.mtcp_init({ max_concurency: 10 }), -1);
  assert.match(M.mtcp_strerror_init(), /unknown key 'max_concurency'/);
  assert.equal(M.mtcp_init({ rcvbuf: 10 }), -1);
  assert.match(M.mtcp_strerror_init(), /invalid value '10' for key 'rcvbuf'/);
  assert.equal(M.mtcp_init({ num_cores: 1 }), 0);
  const network = new M.MemoryNetwork();
  assert.equal(M.mtcp_create_context(1, { network, address: "10.0.0.1/24" }), null);
  assert.equal(M.mtcp_strerror_init(), "mtcp_create_context: no core 1 (num_cores is 1)");
  assert.ok(M.mtcp_create_context(0, { network, address: "10.0.0.1/24" }) !== null);
  assert.equal(M.mtcp_create_context(0, { network, address: "10.0.0.3/24" }), null, "core 0 taken");
  assert.equal(M.mtcp_strerror_init(), "mtcp_create_context: core 0 has a context already");
  M.mtcp_destroy();
  assert.equal(
    M.mtcp_create_context(0, { network, address: "10.0.0.1/24" }),
    null,
    "after mtcp_destroy",
  );
  assert.match(M.mtcp_strerror_init(), /^mtcp_create_context: mtcp_init has not been called/);
});

Deno.test("parseMtcpConf reads mtcp.conf's format and names file, line and key on error", () => {
  const ok = M.parseMtcpConf(
    "# sample\nmax_concurrency = 100\nmax_num_buffers 100\nrcvbuf = 8192 # comment\ntcp_timewait = 0\n",
  );
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.equal(ok.config.max_concurrency, 100);
    assert.equal(ok.config.max_num_buffers, 100);
    assert.equal(ok.config.rcvbuf, 8192);
    assert.equal(ok.config.tcp_timewait, 0);
  }
  const bad = M.parseMtcpConf("rcvbuf = 8192\nnum_mem_ch = 4\n", "epserver.conf");
  assert.ok(!bad.ok);
  if (!bad.ok) {
    assert.equal(
      bad.message,
      "epserver.conf:2: key 'num_mem_ch' is for mTCP's DPDK/ONVM builds only",
    );
  }
  const bad2 = M.parseMtcpConf("tcp_congestion = bbr\n", "x.conf");
  assert.ok(
    !bad2.ok && /x\.conf:1: invalid value 'bbr' for key 'tcp_congestion'/.test(bad2.message),
  );
});

Deno.test(pairTest(
  "setsockopt copies on write: a listener's options reach what it accepts, later ones do not; one connection's change leaves its siblings",
  (pair) => {
    const s = pair.server;
    const nodelay = (fd: number) => {
      const v: { value: M.SockOptValue } = { value: -1 };
      assert.equal(M.mtcp_getsockopt(s, fd, M.IPPROTO_TCP, M.TCP_NODELAY, v), 0);
      return v.value;
    };
    const keepidle = (fd: number) => {
      const v: { value: M.SockOptValue } = { value: -1 };
      assert.equal(M.mtcp_getsockopt(s, fd, M.IPPROTO_TCP, M.TCP_KEEPIDLE, v), 0);
      return v.value;
    };
    const lfd = listenOn(s, 80);
    assert.equal(M.mtcp_setsockopt(s, lfd, M.IPPROTO_TCP, M.TCP_NODELAY, 1), 0);
    connectTo(pair.client, SERVER, 80);
    connectTo(pair.client, SERVER, 80);
    const a = acceptOne(pair, s, lfd);
    const b = acceptOne(pair, s, lfd);
    assert.equal(nodelay(a), 1, "inherited from the listener");
    assert.equal(nodelay(b), 1);
    // The listener changes: connections already accepted keep what they had.
    assert.equal(M.mtcp_setsockopt(s, lfd, M.IPPROTO_TCP, M.TCP_KEEPIDLE, 77), 0);
    assert.equal(keepidle(lfd), 77);
    assert.notEqual(keepidle(a), 77);
    // One connection changes: its sibling and the listener do not.
    assert.equal(M.mtcp_setsockopt(s, a, M.IPPROTO_TCP, M.TCP_NODELAY, 0), 0);
    assert.equal(nodelay(a), 0);
    assert.equal(nodelay(b), 1);
    assert.equal(nodelay(lfd), 1);
    // A fresh socket still has the context's defaults.
    const fresh = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
    assert.equal(nodelay(fresh), 0);
  },
));

Deno.test(pairTest(
  "mtcp_listen: as Linux's listen(2), a backlog of 0 admits one connection, and one above max_concurrency or negative is clamped to it",
  (pair) => {
    const { server: s, client: c } = pair;
    const l0 = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_bind(s, l0, addr(0, 81));
    assert.equal(M.mtcp_listen(s, l0, 0), 0, "backlog 0");
    const lBig = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_bind(s, lBig, addr(0, 82));
    assert.equal(M.mtcp_listen(s, lBig, 1 << 20), 0, "backlog above max_concurrency");
    const lNeg = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_bind(s, lNeg, addr(0, 83));
    assert.equal(M.mtcp_listen(s, lNeg, -1), 0, "negative backlog");
    // Backlog 0: the first connection is queued, the second is not admitted.
    const first = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_setsock_nonblock(c, first);
    M.mtcp_connect(c, first, addr(s.iface.address, 81));
    run(pair, () => s.stats.passiveOpens > 0, 2000);
    advance(pair, 100); // established, waiting in the accept queue
    const second = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_setsock_nonblock(c, second);
    M.mtcp_connect(c, second, addr(s.iface.address, 81));
    advance(pair, 500);
    assert.equal(s.stats.passiveOpens, 1, "one connection admitted with backlog 0");
    assert.ok(s.stats.listenOverflows >= 1, "the second SYN overflowed");
    assert.ok(M.mtcp_accept(s, l0) >= 0, "the first is there to accept");
  },
));

Deno.test(pairTest(
  "mtcp_pipe: 10,240 bytes then EAGAIN, EOF after the write end closes, EPIPE after the read end closes, EINVAL for the wrong end, ENFILE when no two ids are free",
  ({ server: c }) => {
    const ids: number[] = [];
    assert.equal(M.mtcp_pipe(c, ids), 0);
    const [r, w] = ids as [number, number];
    const big = new Uint8Array(20_000).map((_, i) => i & 0xff);
    assert.equal(M.mtcp_write(c, w, big, big.length), 10_240);
    fails(c, M.mtcp_write(c, w, big, 1), M.EAGAIN, "full");
    fails(c, M.mtcp_write(c, r, big, 1), M.EINVAL, "writing the read end");
    const out = new Uint8Array(20_000);
    fails(c, M.mtcp_read(c, w, out, 10), M.EINVAL, "reading the write end");
    fails(c, M.mtcp_recv(c, r, out, 10, M.MSG_PEEK), M.EINVAL, "recv flags on a pipe");
    assert.equal(M.mtcp_read(c, r, out, 20_000), 10_240);
    assert.deepEqual(out.subarray(0, 10_240), big.subarray(0, 10_240));
    fails(c, M.mtcp_read(c, r, out, 10), M.EAGAIN, "empty");
    assert.equal(M.mtcp_write(c, w, big, 3), 3);
    assert.equal(M.mtcp_close(c, w), 0);
    assert.equal(M.mtcp_read(c, r, out, 10), 3, "what was written before the close");
    assert.equal(M.mtcp_read(c, r, out, 10), 0, "then the end");
    assert.equal(M.mtcp_close(c, r), 0);
    const again: number[] = [];
    assert.equal(M.mtcp_pipe(c, again), 0);
    assert.equal(M.mtcp_close(c, again[0]!), 0);
    fails(c, M.mtcp_write(c, again[1]!, big, 1), M.EPIPE, "the read end is gone");
    assert.equal(M.mtcp_close(c, again[1]!), 0);
    while (M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0) >= 0);
    fails(c, M.mtcp_pipe(c, []), M.ENFILE, "table full");
  },
));

Deno.test("mtcp_pipe wakes a context's epoll loop from another thread: a Worker's message becomes a byte in the pipe", async () => {
  M.mtcp_init({ num_cores: 1 });
  const worker = new Worker(
    URL.createObjectURL(
      new Blob(["setTimeout(() => postMessage('wake'), 50);"], { type: "application/javascript" }),
    ),
    { type: "module" },
  );
  try {
    const ctx = M.mtcp_create_context(0, {
      network: new M.MemoryNetwork({ clock: "system" }),
      address: "10.0.0.1/24",
    })!;
    const ids: number[] = [];
    M.mtcp_pipe(ctx, ids);
    const [r, w] = ids as [number, number];
    worker.onmessage = () => M.mtcp_write(ctx, w, new Uint8Array([1]), 1);
    const ep = M.mtcp_epoll_create(ctx, 4);
    M.mtcp_epoll_ctl(ctx, ep, M.MTCP_EPOLL_CTL_ADD, r, { events: M.MTCP_EPOLLIN, data: r });
    const events: M.MtcpEpollEvent[] = [];
    const start = performance.now();
    assert.equal(await M.mtcp_epoll_wait(ctx, ep, events, 4, 5000), 1);
    assert.equal(events[0]!.data, r);
    assert.ok(performance.now() - start < 2000, "woken by the worker, not by the timeout");
    assert.equal(M.mtcp_read(ctx, r, new Uint8Array(4), 4), 1);
  } finally {
    worker.terminate();
    M.mtcp_destroy();
  }
});
