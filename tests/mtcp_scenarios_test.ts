/**
 * Whole-connection scenarios between two contexts on the in-memory network,
 * on a virtual clock: epoll semantics, every close order, resets, zero
 * window, keepalive, user timeout, TIME-WAIT, simultaneous open, listen
 * backlog, and 10,000 connections in one context.
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
  type Pair,
  pairTest,
  readAll,
  run,
  SERVER,
  stateOf,
  writeText,
} from "./_support/mtcp_pair.ts";
import { inject, synFlood } from "./_support/inject.ts";

// --- epoll ------------------------------------------------------------------------

Deno.test(pairTest(
  "epoll level-triggered reports readable data at every wait until it is read",
  async (pair) => {
    const [cfd, sfd] = connected(pair);
    const s = pair.server;
    const ep = M.mtcp_epoll_create(s, 4);
    M.mtcp_epoll_ctl(s, ep, M.MTCP_EPOLL_CTL_ADD, sfd, { events: M.MTCP_EPOLLIN, data: 7 });
    writeText(pair.client, cfd, "hello");
    const ev: M.MtcpEpollEvent[] = [];
    assert.equal(await M.mtcp_epoll_wait(s, ep, ev, 4, 1000), 1);
    assert.deepEqual(ev[0], { events: M.MTCP_EPOLLIN, data: 7 });
    assert.equal(await M.mtcp_epoll_wait(s, ep, ev, 4, 0), 1, "still there: reported again");
    readAll(s, sfd);
    assert.equal(await M.mtcp_epoll_wait(s, ep, ev, 4, 0), 0, "read: no longer reported");
  },
));

Deno.test(pairTest(
  "epoll edge-triggered reports each arrival once; level-triggered and one-shot coexist on other epolls",
  async (pair) => {
    const [cfd, sfd] = connected(pair);
    const s = pair.server;
    const et = M.mtcp_epoll_create(s, 4);
    const os = M.mtcp_epoll_create(s, 4);
    M.mtcp_epoll_ctl(s, et, M.MTCP_EPOLL_CTL_ADD, sfd, {
      events: M.MTCP_EPOLLIN | M.MTCP_EPOLLET,
      data: 1,
    });
    M.mtcp_epoll_ctl(s, os, M.MTCP_EPOLL_CTL_ADD, sfd, {
      events: M.MTCP_EPOLLIN | M.MTCP_EPOLLONESHOT,
      data: 2,
    });
    const ev: M.MtcpEpollEvent[] = [];
    writeText(pair.client, cfd, "one");
    assert.equal(await M.mtcp_epoll_wait(s, et, ev, 4, 1000), 1);
    assert.equal(await M.mtcp_epoll_wait(s, et, ev, 4, 0), 0, "ET: not again for the same data");
    assert.equal(await M.mtcp_epoll_wait(s, os, ev, 4, 0), 1, "the one-shot epoll sees it once");
    assert.equal(ev[0]!.data, 2);
    writeText(pair.client, cfd, "two");
    assert.equal(await M.mtcp_epoll_wait(s, et, ev, 4, 1000), 1, "ET: a new arrival is a new edge");
    assert.equal(await M.mtcp_epoll_wait(s, os, ev, 4, 0), 0, "one-shot: disarmed");
    M.mtcp_epoll_ctl(s, os, M.MTCP_EPOLL_CTL_MOD, sfd, {
      events: M.MTCP_EPOLLIN | M.MTCP_EPOLLONESHOT,
      data: 3,
    });
    assert.equal(
      await M.mtcp_epoll_wait(s, os, ev, 4, 0),
      1,
      "MOD re-arms, and data is still there",
    );
    assert.equal(ev[0]!.data, 3);
    assert.equal(readAll(s, sfd).text, "onetwo");
  },
));

Deno.test(pairTest(
  "a listener is readable when a connection can be accepted; EPOLLOUT signals an active open",
  async (pair) => {
    const lfd = listenOn(pair.server, 80);
    const sep = M.mtcp_epoll_create(pair.server, 4);
    M.mtcp_epoll_ctl(pair.server, sep, M.MTCP_EPOLL_CTL_ADD, lfd, {
      events: M.MTCP_EPOLLIN,
      data: lfd,
    });
    const cfd = connectTo(pair.client, SERVER, 80);
    const cep = M.mtcp_epoll_create(pair.client, 4);
    M.mtcp_epoll_ctl(pair.client, cep, M.MTCP_EPOLL_CTL_ADD, cfd, {
      events: M.MTCP_EPOLLOUT,
      data: cfd,
    });
    const ev: M.MtcpEpollEvent[] = [];
    assert.equal(await M.mtcp_epoll_wait(pair.client, cep, ev, 4, 5000), 1);
    assert.equal(ev[0]!.events, M.MTCP_EPOLLOUT);
    assert.equal(await M.mtcp_epoll_wait(pair.server, sep, ev, 4, 5000), 1);
    assert.equal(ev[0]!.events, M.MTCP_EPOLLIN);
    assert.ok(M.mtcp_accept(pair.server, lfd) >= 0);
    assert.equal(
      await M.mtcp_epoll_wait(pair.server, sep, ev, 4, 0),
      0,
      "queue empty: not readable",
    );
  },
));

Deno.test(pairTest(
  "a peer's FIN raises EPOLLRDHUP; a RST raises EPOLLERR and EPOLLHUP even when not asked for",
  async (pair) => {
    const [cfd, sfd] = connected(pair);
    const [cfd2, sfd2] = connected(pair, 81);
    const c = pair.client;
    const ep = M.mtcp_epoll_create(c, 4);
    M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, cfd, {
      events: M.MTCP_EPOLLIN | M.MTCP_EPOLLRDHUP,
      data: cfd,
    });
    M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, cfd2, {
      events: M.MTCP_EPOLLOUT & 0,
      data: cfd2,
    });
    M.mtcp_shutdown(pair.server, sfd, M.SHUT_WR);
    M.mtcp_abort(pair.server, sfd2);
    const ev: M.MtcpEpollEvent[] = [];
    run(pair, () => stateOf(c, cfd2) === "CLOSED" && stateOf(c, cfd) === "CLOSE-WAIT");
    const n = await M.mtcp_epoll_wait(c, ep, ev, 4, 1000);
    assert.equal(n, 2);
    const byFd = new Map(ev.slice(0, n).map((e) => [e.data, e.events]));
    assert.equal(byFd.get(cfd), M.MTCP_EPOLLIN | M.MTCP_EPOLLRDHUP);
    assert.ok(
      (byFd.get(cfd2)! & (M.MTCP_EPOLLERR | M.MTCP_EPOLLHUP)) ===
        (M.MTCP_EPOLLERR | M.MTCP_EPOLLHUP),
    );
  },
));

Deno.test(pairTest(
  "an epoll-driven echo server and client on the mtcp_* API exchange messages",
  async (pair) => {
    const s = pair.server, c = pair.client;
    const lfd = listenOn(s, 7);
    const sep = M.mtcp_epoll_create(s, 16);
    M.mtcp_epoll_ctl(s, sep, M.MTCP_EPOLL_CTL_ADD, lfd, { events: M.MTCP_EPOLLIN, data: lfd });
    const server = async () => {
      const ev: M.MtcpEpollEvent[] = [];
      const buf = new Uint8Array(4096);
      for (let open = -1; open !== 0;) {
        const n = await M.mtcp_epoll_wait(s, sep, ev, 16, -1);
        for (const e of ev.slice(0, n)) {
          if (e.data === lfd) {
            for (let fd = M.mtcp_accept(s, lfd); fd >= 0; fd = M.mtcp_accept(s, lfd)) {
              M.mtcp_setsock_nonblock(s, fd);
              M.mtcp_epoll_ctl(s, sep, M.MTCP_EPOLL_CTL_ADD, fd, {
                events: M.MTCP_EPOLLIN,
                data: fd,
              });
              open = open < 0 ? 1 : open + 1;
            }
            continue;
          }
          for (;;) {
            const r = M.mtcp_read(s, e.data, buf, buf.length);
            if (r > 0) M.mtcp_write(s, e.data, buf, r);
            else {
              if (r === 0) {
                M.mtcp_close(s, e.data);
                open--;
              }
              break;
            }
          }
        }
      }
    };
    const client = async (i: number) => {
      const fd = connectTo(c, SERVER, 7);
      const ep = M.mtcp_epoll_create(c, 4);
      M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_ADD, fd, { events: M.MTCP_EPOLLOUT, data: fd });
      const ev: M.MtcpEpollEvent[] = [];
      await M.mtcp_epoll_wait(c, ep, ev, 4, -1);
      const msg = `message ${i} `.repeat(50);
      assert.equal(writeText(c, fd, msg), msg.length);
      M.mtcp_epoll_ctl(c, ep, M.MTCP_EPOLL_CTL_MOD, fd, { events: M.MTCP_EPOLLIN, data: fd });
      let got = "";
      while (got.length < msg.length) {
        await M.mtcp_epoll_wait(c, ep, ev, 4, -1);
        got += readAll(c, fd).text;
      }
      assert.equal(got, msg);
      M.mtcp_close(c, fd);
      M.mtcp_close(c, ep);
    };
    await Promise.all([server(), client(1), client(2), client(3)]);
  },
));

// --- Closing --------------------------------------------------------------------------

Deno.test(pairTest(
  "the active closer waits in TIME-WAIT for 60 s; the passive side goes through LAST-ACK to CLOSED",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    const c = pair.client, s = pair.server;
    const cconn = c.connection(c.slotOf(cfd))!;
    const states: string[] = [];
    cconn.onStateChange = (_s, _a, b) => states.push(b);
    M.mtcp_close(c, cfd);
    run(pair, () => stateOf(s, sfd) === "CLOSE-WAIT");
    assert.equal(readAll(s, sfd).rc, 0, "the server reads end of stream");
    M.mtcp_close(s, sfd);
    run(pair, () => cconn.state === "TIME-WAIT" && s.connectionsInUse === 0);
    assert.deepEqual(states, ["FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]);
    assert.equal(s.connectionsInUse, 0, "LAST-ACK ended in CLOSED and the connection was freed");
    // The closed socket's TIME-WAIT is a compact record: the pool slot is free.
    assert.equal(c.connectionsInUse, 0);
    assert.equal(c.timeWaitRecords, 1);
    advance(pair, 59_000);
    assert.equal(c.timeWaitRecords, 1, "still waiting at 59 s");
    advance(pair, 2_000);
    assert.equal(c.timeWaitRecords, 0, "gone after 60 s");
  },
));

Deno.test(pairTest(
  "tcp_max_tw_buckets = 0 keeps TIME-WAIT in the socket: 60 s, then CLOSED and freed",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    const c = pair.client, s = pair.server;
    const cconn = c.connection(c.slotOf(cfd))!;
    M.mtcp_close(c, cfd);
    run(pair, () => stateOf(s, sfd) === "CLOSE-WAIT");
    M.mtcp_close(s, sfd);
    run(pair, () => cconn.state === "TIME-WAIT" && s.connectionsInUse === 0);
    assert.equal(c.connectionsInUse, 1);
    assert.equal(c.timeWaitRecords, 0);
    advance(pair, 59_000);
    assert.equal(cconn.state, "TIME-WAIT");
    advance(pair, 2_000);
    assert.equal(cconn.state, "CLOSED");
    assert.equal(c.connectionsInUse, 0);
  },
  { tcp_max_tw_buckets: 0 },
));

Deno.test(pairTest("tcp_timewait = 0 (mTCP's default) frees the connection at once", (pair) => {
  const [cfd, sfd] = connected(pair);
  M.mtcp_close(pair.client, cfd);
  run(pair, () => stateOf(pair.server, sfd) === "CLOSE-WAIT");
  M.mtcp_close(pair.server, sfd);
  run(pair, () => pair.client.connectionsInUse === 0 && pair.server.connectionsInUse === 0, 1000);
  assert.equal(pair.client.connectionsInUse, 0);
}, { tcp_timewait: 0 }));

Deno.test(pairTest(
  "a pool full of TIME-WAIT gives the oldest up for a new connection, as Linux's tw buckets do",
  (pair) => {
    const s = pair.server;
    // Thirty connections through a pool of 16: each leaves TIME-WAIT.
    serverClosesFirst(pair, 30, () => {});
    assert.equal(s.stats.timeWaitRecycled, 30 - 16);
    assert.equal(s.stats.connectionPoolFull, 0);
  },
  { max_concurrency: 16, tcp_max_tw_buckets: 0 },
));

Deno.test(pairTest(
  "TIME-WAIT records hold no pool slot; past tcp_max_tw_buckets the oldest ends early, counted",
  (pair) => {
    const s = pair.server;
    serverClosesFirst(pair, 30, () => {
      assert.equal(s.connectionsInUse, 0, "the server's TIME-WAIT left the pool");
    });
    assert.equal(s.stats.timeWaitRecycled, 0);
    assert.equal(s.stats.connectionPoolFull, 0);
    assert.equal(s.timeWaitRecords, 20);
    assert.equal(s.stats.timeWaitOverflows, 10);
  },
  { max_concurrency: 16, tcp_max_tw_buckets: 20 },
));

Deno.test(pairTest("simultaneous close: both ends pass through CLOSING to TIME-WAIT", (pair) => {
  const [cfd, sfd] = connected(pair);
  const cc = pair.client.connection(pair.client.slotOf(cfd))!;
  const sc = pair.server.connection(pair.server.slotOf(sfd))!;
  const seen = new Set<string>();
  cc.onStateChange = (_s, _a, b) => seen.add(`c:${b}`);
  sc.onStateChange = (_s, _a, b) => seen.add(`s:${b}`);
  M.mtcp_close(pair.client, cfd);
  M.mtcp_close(pair.server, sfd);
  run(pair, () => cc.state === "TIME-WAIT" && sc.state === "TIME-WAIT", 5000);
  assert.ok(seen.has("c:CLOSING") && seen.has("s:CLOSING"), [...seen].join(","));
}));

Deno.test(pairTest(
  "half-close: after the client's SHUT_WR the server still sends, and the client reads it all",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    const c = pair.client, s = pair.server;
    writeText(c, cfd, "request");
    M.mtcp_shutdown(c, cfd, M.SHUT_WR);
    run(pair, () => s.connection(s.slotOf(sfd))!.readClosed);
    assert.equal(readAll(s, sfd).text, "request");
    assert.equal(stateOf(s, sfd), "CLOSE-WAIT");
    const reply = "x".repeat(200_000);
    let sent = 0;
    let got = "";
    // The client reads while the server writes: 200 KB is more than both buffers hold.
    run(pair, () => {
      if (sent < reply.length) {
        const n = writeText(s, sfd, reply.slice(sent, sent + 50_000));
        if (n > 0) sent += n;
        if (sent === reply.length) M.mtcp_close(s, sfd);
      }
      const r = readAll(c, cfd);
      got += r.text;
      return r.rc === 0;
    });
    assert.equal(got.length, reply.length);
    assert.equal(stateOf(c, cfd), "TIME-WAIT");
  },
));

Deno.test(pairTest(
  "closing with unread data resets the connection (as Linux); the peer sees ECONNRESET",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    writeText(pair.client, cfd, "unread");
    run(pair, () => pair.server.connection(pair.server.slotOf(sfd))!.readable === 6);
    M.mtcp_close(pair.server, sfd);
    run(pair, () => stateOf(pair.client, cfd) === "CLOSED");
    const v = { value: 0 as M.SockOptValue };
    M.mtcp_getsockopt(pair.client, cfd, M.SOL_SOCKET, M.SO_ERROR, v);
    assert.equal(v.value, M.ECONNRESET);
  },
));

Deno.test(pairTest("SO_LINGER with a zero time makes close a reset", (pair) => {
  const [cfd, sfd] = connected(pair);
  M.mtcp_setsockopt(pair.server, sfd, M.SOL_SOCKET, M.SO_LINGER, { l_onoff: 1, l_linger: 0 });
  M.mtcp_close(pair.server, sfd);
  run(pair, () => stateOf(pair.client, cfd) === "CLOSED");
  assert.equal(pair.client.connection(pair.client.slotOf(cfd))!.error, "reset");
  assert.equal(pair.server.connectionsInUse, 0, "no TIME-WAIT after a reset");
}));

// --- Windows and timers ------------------------------------------------------------------

Deno.test(pairTest("a zero window is probed and reopens when the application reads", (pair) => {
  const [cfd, sfd] = connected(pair);
  const c = pair.client, s = pair.server;
  const data = new Uint8Array(400_000);
  let sent = 0;
  // The server does not read: the client fills the server's window and its own buffer.
  run(pair, () => {
    const n = M.mtcp_write(c, cfd, data.subarray(sent), data.length - sent);
    if (n > 0) sent += n;
    return c.connection(c.slotOf(cfd))!.sndWnd === 0 && c.connection(c.slotOf(cfd))!.writable === 0;
  }, 10_000);
  const before = c.connection(c.slotOf(cfd))!.stats.segmentsOut;
  advance(pair, 30_000);
  assert.ok(
    c.connection(c.slotOf(cfd))!.stats.segmentsOut > before,
    "zero-window probes were sent",
  );
  assert.equal(stateOf(c, cfd), "ESTABLISHED", "probes answered: the connection lives");
  // Read everything; the window reopens and the rest flows.
  let got = 0;
  const buf = new Uint8Array(65536);
  run(pair, () => {
    for (
      let r = M.mtcp_read(s, sfd, buf, buf.length);
      r > 0;
      r = M.mtcp_read(s, sfd, buf, buf.length)
    ) got += r;
    if (sent < data.length) {
      const n = M.mtcp_write(c, cfd, data.subarray(sent), data.length - sent);
      if (n > 0) sent += n;
    }
    return got === data.length;
  }, 120_000);
  assert.equal(got, data.length);
}));

Deno.test(
  pairTest("keepalive: a vanished peer is declared dead after idle + count x interval", (pair) => {
    const [cfd] = connected(pair);
    const c = pair.client;
    M.mtcp_setsockopt(c, cfd, M.SOL_SOCKET, M.SO_KEEPALIVE, 1);
    M.mtcp_setsockopt(c, cfd, M.IPPROTO_TCP, M.TCP_KEEPIDLE, 10);
    M.mtcp_setsockopt(c, cfd, M.IPPROTO_TCP, M.TCP_KEEPINTVL, 2);
    M.mtcp_setsockopt(c, cfd, M.IPPROTO_TCP, M.TCP_KEEPCNT, 3);
    advance(pair, 30_000);
    assert.equal(stateOf(c, cfd), "ESTABLISHED", "a live peer answers the probes");
    assert.ok(c.connection(c.slotOf(cfd))!.stats.segmentsOut > 2, "probes were sent while idle");
    // Fresh activity, then the peer vanishes: dead after idle + count x interval.
    writeText(c, cfd, "last words");
    run(pair, () => c.connection(c.slotOf(cfd))!.sendQueued === 0);
    const start = pair.network.clock.now();
    M.mtcp_destroy_context(pair.server); // the peer vanishes without a word
    run(pair, () => stateOf(c, cfd) === "CLOSED", 100_000);
    const elapsed = pair.network.clock.now() - start;
    assert.ok(
      elapsed >= 10_000 + 2_000 * 3 - 1000 && elapsed <= 10_000 + 2_000 * 4 + 10_000,
      `dead after ${elapsed} ms`,
    );
    const v = { value: 0 as M.SockOptValue };
    M.mtcp_getsockopt(c, cfd, M.SOL_SOCKET, M.SO_ERROR, v);
    assert.equal(v.value, M.ETIMEDOUT);
  }),
);

Deno.test(pairTest(
  "TCP_USER_TIMEOUT: unacknowledged data older than the limit ends the connection",
  (pair) => {
    const [cfd] = connected(pair);
    const c = pair.client;
    M.mtcp_setsockopt(c, cfd, M.IPPROTO_TCP, M.TCP_USER_TIMEOUT, 3000);
    M.mtcp_destroy_context(pair.server);
    const start = pair.network.clock.now();
    writeText(c, cfd, "into the void");
    run(pair, () => stateOf(c, cfd) === "CLOSED", 60_000);
    const elapsed = pair.network.clock.now() - start;
    assert.ok(elapsed >= 3000 && elapsed < 10_000, `gave up after ${elapsed} ms`);
    assert.equal(c.connection(c.slotOf(cfd))!.error, "timeout");
  },
));

Deno.test(pairTest("retransmissions give up after tcp_retries with ETIMEDOUT", (pair) => {
  const [cfd] = connected(pair);
  M.mtcp_destroy_context(pair.server);
  writeText(pair.client, cfd, "hello?");
  run(pair, () => stateOf(pair.client, cfd) === "CLOSED", 3_600_000);
  const conn = pair.client.connection(pair.client.slotOf(cfd))!;
  assert.equal(conn.error, "timeout");
  assert.equal(conn.stats.timeouts, 4, "three retries, then the fourth timeout gives up");
}, { tcp_retries: 3 }));

// --- Opening -------------------------------------------------------------------------------

Deno.test(pairTest(
  "simultaneous open: two active opens between bound ports both reach ESTABLISHED",
  (pair) => {
    const c = pair.client, s = pair.server;
    const a = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    const b = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_bind(c, a, { family: M.AF_INET, addr: 0, port: 5000 });
    M.mtcp_bind(s, b, { family: M.AF_INET, addr: 0, port: 6000 });
    M.mtcp_connect(c, a, { family: M.AF_INET, addr: SERVER, port: 6000 });
    M.mtcp_connect(s, b, { family: M.AF_INET, addr: c.iface.address, port: 5000 });
    const seen: string[] = [];
    c.connection(c.slotOf(a))!.onStateChange = (_s, _x, y) => seen.push(y);
    run(pair, () => stateOf(c, a) === "ESTABLISHED" && stateOf(s, b) === "ESTABLISHED", 10_000);
    assert.deepEqual(seen, ["SYN-RECEIVED", "ESTABLISHED"]);
    writeText(c, a, "ping");
    run(pair, () => s.connection(s.slotOf(b))!.readable === 4);
    assert.equal(readAll(s, b).text, "ping");
  },
));

Deno.test(pairTest(
  "with SYN cookies off, a full backlog drops SYNs; the clients retry and get in once there is room",
  (pair) => {
    const lfd = listenOn(pair.server, 80, 2);
    const fds = [0, 1, 2, 3].map(() => connectTo(pair.client, SERVER, 80));
    run(pair, () => pair.server.acceptQueueLength(pair.server.slotOf(lfd)) === 2, 5000);
    advance(pair, 500);
    assert.ok(pair.server.stats.listenOverflows >= 2);
    const accepted: number[] = [];
    run(pair, () => {
      for (
        let fd = M.mtcp_accept(pair.server, lfd);
        fd >= 0;
        fd = M.mtcp_accept(pair.server, lfd)
      ) accepted.push(fd);
      return accepted.length === 4;
    }, 60_000);
    assert.equal(accepted.length, 4, "SYN retransmission got the dropped ones in");
    assert.ok(fds.every((fd) => stateOf(pair.client, fd) === "ESTABLISHED"));
  },
  { tcp_syncookies: 0 },
));

Deno.test(pairTest("with listen_overflow = reset, SYNs beyond the backlog are refused", (pair) => {
  listenOn(pair.server, 80, 1);
  const fds = [0, 1, 2].map(() => connectTo(pair.client, SERVER, 80));
  run(pair, () => fds.filter((fd) => stateOf(pair.client, fd) === "CLOSED").length === 2, 5000);
  const refused = fds.filter((fd) =>
    pair.client.connection(pair.client.slotOf(fd))!.error === "refused"
  );
  assert.equal(refused.length, 2);
}, { listen_overflow: "reset", tcp_syncookies: 0 }));

Deno.test(
  pairTest("RFC 6191: a new SYN with newer timestamps takes over a TIME-WAIT pair", (pair) => {
    const lfd = listenOn(pair.server, 80);
    const c = pair.client, s = pair.server;
    const first = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_bind(c, first, { family: M.AF_INET, addr: 0, port: 40000 });
    M.mtcp_connect(c, first, { family: M.AF_INET, addr: SERVER, port: 80 });
    const sfd = acceptOne(pair, s, lfd);
    M.mtcp_close(s, sfd); // the server closes first: its side goes to TIME-WAIT
    run(pair, () => stateOf(c, first) === "CLOSE-WAIT");
    M.mtcp_close(c, first);
    run(pair, () => timeWaits(s) > 0);
    advance(pair, 1000);
    const again = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
    M.mtcp_bind(c, again, { family: M.AF_INET, addr: 0, port: 40000 });
    M.mtcp_connect(c, again, { family: M.AF_INET, addr: SERVER, port: 80 });
    assert.ok(acceptOne(pair, s, lfd) >= 0);
    assert.equal(s.stats.timeWaitReused, 1);
    assert.equal(stateOf(c, again), "ESTABLISHED");
  }),
);

Deno.test(
  pairTest("10,000 concurrent connections in one context, each carrying a message", (pair) => {
    const N = 10_000;
    const s = pair.server, c = pair.client;
    const lfd = listenOn(s, 80, N);
    const fds: number[] = [];
    const accepted: number[] = [];
    // Open them 500 at a time, as a load generator would: 10,000 SYNs in one
    // instant would only measure the 1,024-frame link queue.
    for (let batch = 0; batch < N; batch += 500) {
      for (let i = 0; i < 500; i++) fds.push(connectTo(c, SERVER, 80));
      run(pair, () => {
        for (let fd = M.mtcp_accept(s, lfd); fd >= 0; fd = M.mtcp_accept(s, lfd)) accepted.push(fd);
        return accepted.length === fds.length;
      }, 120_000);
    }
    assert.equal(accepted.length, N);
    assert.equal(s.connectionsInUse, N);
    for (let i = 0; i < N; i++) writeText(c, fds[i]!, `#${i}`);
    let readCount = 0;
    const seen = new Set<string>();
    run(pair, () => {
      for (const fd of accepted) {
        const r = readAll(s, fd);
        if (r.text) {
          seen.add(r.text);
          readCount++;
        }
      }
      return readCount >= N;
    }, 120_000);
    assert.equal(seen.size, N, "every message arrived on its own connection");
    assert.equal(s.buffersInUse, 0, "idle connections hold no buffers once read");
  }, { max_concurrency: 12_000, max_num_buffers: 24_000, tcp_delayed_ack_ms: 0 }),
);

Deno.test(pairTest(
  "TCP_QUICKACK: getsockopt says whether the connection is in quick-ACK mode; 0 makes it interactive (ACKs wait for replies), 1 sends a due ACK at once",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    const s = pair.server;
    const c = pair.client;
    const get = (ctx: M.MtcpContext, fd: number) => {
      const v: { value: M.SockOptValue } = { value: -1 };
      assert.equal(M.mtcp_getsockopt(ctx, fd, M.IPPROTO_TCP, M.TCP_QUICKACK, v), 0);
      return v.value;
    };
    assert.equal(get(s, sfd), 1);
    assert.equal(M.mtcp_setsockopt(s, sfd, M.IPPROTO_TCP, M.TCP_QUICKACK, 0), 0);
    assert.equal(get(s, sfd), 0);
    // Interactive: the client's small write is not acknowledged on its own.
    assert.equal(writeText(c, cfd, "ping"), 4);
    advance(pair, 5);
    const unacked = c.connection(c.slotOf(cfd))!.sendQueued;
    assert.equal(unacked, 4, "the ACK waits (for a reply or the 40 ms timer)");
    assert.equal(M.mtcp_setsockopt(s, sfd, M.IPPROTO_TCP, M.TCP_QUICKACK, 1), 0);
    advance(pair, 1);
    assert.equal(c.connection(c.slotOf(cfd))!.sendQueued, 0, "acknowledged at once");
    assert.equal(get(s, sfd), 1);
    const fresh = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
    assert.equal(get(s, fresh), 1, "a socket with no connection yet");
    assert.equal(M.mtcp_setsockopt(s, sfd, M.IPPROTO_TCP, M.TCP_QUICKACK, "x"), -1);
    assert.equal(s.errno, M.EINVAL);
  },
));

// --- SYN cookies (RFC 4987 §3.6) and half-open connections -------------------------

Deno.test(pairTest(
  "SYN cookies always (tcp_syncookies 2): no state until the ACK, and the connection keeps MSS, window scale, SACK and timestamps",
  (pair) => {
    const s = pair.server;
    const c = pair.client;
    const lfd = listenOn(s, 80);
    const cfd = connectTo(c, SERVER, 80);
    const sfd = acceptOne(pair, s, lfd);
    assert.equal(s.stats.syncookiesSent, 1);
    assert.equal(s.stats.syncookiesRecv, 1);
    const server = s.connection(s.slotOf(sfd))!;
    const client = c.connection(c.slotOf(cfd))!;
    assert.equal(server.state, "ESTABLISHED");
    assert.ok(server.sackEnabled && server.tsEnabled, "SACK and timestamps kept");
    assert.equal(server.sndScale, client.rcvScale, "the client's window scale kept");
    assert.equal(client.sndScale, server.rcvScale);
    assert.equal(server.mss, 1460 - 12, "MSS from the cookie's table, less the timestamps");
    // Data both ways.
    assert.equal(writeText(c, cfd, "hello"), 5);
    run(pair, () => readAll(s, sfd).text === "hello" || false, 2000);
    assert.equal(writeText(s, sfd, "world"), 5);
    let got = "";
    run(pair, () => (got += readAll(c, cfd).text) === "world", 2000);
    assert.equal(got, "world");
  },
  { tcp_syncookies: 2 },
));

Deno.test(pairTest(
  "SYN cookies when the SYN queue is full (the default): a spoofed flood does not keep a real client out, and the flood's end needs no recovery",
  (pair) => {
    const s = pair.server;
    const c = pair.client;
    const lfd = listenOn(s, 80, 8);
    synFlood(s, pair.network.clock.now(), 80, 200); // 8 half-open, 192 cookies, none answered
    assert.equal(s.stats.syncookiesSent, 192);
    const start = pair.network.clock.now();
    const cfd = connectTo(c, SERVER, 80);
    const sfd = acceptOne(pair, s, lfd);
    assert.ok(pair.network.clock.now() - start < 50, "served at once, not after SYN retries");
    assert.equal(s.stats.syncookiesRecv, 1);
    assert.equal(writeText(c, cfd, "x"), 1);
    run(pair, () => readAll(s, sfd).text === "x", 2000);
    // More of the flood, then a second client right after it.
    synFlood(s, pair.network.clock.now(), 80, 200, 1000);
    const c2 = connectTo(c, SERVER, 80);
    acceptOne(pair, s, lfd);
    assert.equal(stateOf(c, c2), "ESTABLISHED");
    assert.equal(s.stats.listenOverflows, 0);
  },
));

/** A third host, 10.0.0.3, on the pair's network: what it receives, as TCP headers. */
function spyHost(pair: ReturnType<typeof makePair>) {
  const got: { flags: number; seq: number; ack: number; dstPort: number }[] = [];
  const host = M.attachHost(pair.network, {
    name: "spy",
    address: "10.0.0.3/24",
    trace: (dir, _now, bytes, off, len) => {
      if (dir !== "rx" || len < 54 || bytes[off + 23] !== M.IP_PROTO_TCP) return;
      const t = off + 14 + (bytes[off + 14]! & 0xf) * 4;
      const dv = new DataView(bytes.buffer, bytes.byteOffset + t, 14);
      got.push({
        dstPort: dv.getUint16(2),
        seq: dv.getUint32(4),
        ack: dv.getUint32(8),
        flags: bytes[t + 13]!,
      });
    },
  });
  return { address: host.iface.address, got };
}

Deno.test(pairTest(
  "SYN cookies: a good cookie is taken a minute later, a forged one and one two minutes old draw a RST and count as failed",
  (pair) => {
    const s = pair.server;
    const lfd = listenOn(s, 80, 1);
    const spy = spyHost(pair);
    synFlood(s, pair.network.clock.now(), 80, 2); // the queue is full: cookies from here on
    const syn = (port: number) => {
      inject(s, pair.network.clock.now(), {
        src: spy.address,
        srcPort: port,
        dstPort: 80,
        seq: 5000,
        flags: M.TCP_SYN,
        mss: 1460,
      });
      advance(pair, 5);
      const synAck = spy.got.find((g) => g.dstPort === port && g.flags === 0x12);
      assert.ok(synAck !== undefined, "a SYN-ACK came back");
      return synAck.seq;
    };
    const ackWith = (port: number, cookie: number) =>
      inject(s, pair.network.clock.now(), {
        src: spy.address,
        srcPort: port,
        dstPort: 80,
        seq: 5001,
        ack: (cookie + 1) >>> 0,
        flags: M.TCP_ACK,
      });
    const fresh = syn(6001);
    const old = syn(6002);
    // Forged: a cookie nobody sent.
    ackWith(6003, 0x12345678);
    assert.equal(s.stats.syncookiesFailed, 1);
    advance(pair, 5);
    assert.ok(spy.got.some((g) => g.dstPort === 6003 && (g.flags & 0x04) !== 0), "a RST");
    // A minute later the fresh cookie is still good.
    advance(pair, 60_000);
    synFlood(s, pair.network.clock.now(), 80, 1, 100); // keeps cookies being checked
    ackWith(6001, fresh);
    assert.equal(s.stats.syncookiesRecv, 1);
    assert.ok(M.mtcp_accept(s, lfd) >= 0, "the cookie's connection is there to accept");
    // Two minutes after it was made, the other is not.
    advance(pair, 61_000);
    synFlood(s, pair.network.clock.now(), 80, 3, 200);
    ackWith(6002, old);
    assert.equal(s.stats.syncookiesFailed, 2);
    assert.equal(s.stats.syncookiesRecv, 1);
  },
));

Deno.test(pairTest(
  "with SYN cookies off, half-open connections whose SYN-ACK went unanswered give way to new SYNs, and tcp_synack_retries bounds how long they last",
  (pair) => {
    const s = pair.server;
    const c = pair.client;
    const lfd = listenOn(s, 80, 8);
    synFlood(s, pair.network.clock.now(), 80, 8); // the SYN queue is full of hosts that never answer
    assert.equal(s.connectionsInUse, 8);
    // Young half-open entries do not give way (a burst of real clients keeps its place).
    const early = connectTo(c, SERVER, 80);
    advance(pair, 10);
    assert.equal(s.stats.synQueueEvictions, 0);
    assert.equal(stateOf(c, early), "SYN-SENT");
    // After their first SYN-ACK retransmission (1 s), the oldest gives way.
    advance(pair, 1500);
    acceptOne(pair, s, lfd);
    assert.ok(s.stats.synQueueEvictions >= 1);
    assert.equal(stateOf(c, early), "ESTABLISHED");
    // tcp_synack_retries 2: the rest are gone after 1 + 2 + 4 s of retries.
    advance(pair, 8000);
    assert.equal(s.connectionsInUse, 1, "only the real connection is left");
  },
  { tcp_syncookies: 0, tcp_synack_retries: 2 },
));

Deno.test(pairTest(
  "RFC 1122 §4.2.2.13: the peer of a socket its owner closed gets ECONNRESET at once when it sends, not after its retries",
  (pair) => {
    const [cfd, sfd] = connected(pair);
    const c = pair.client;
    const s = pair.server;
    assert.equal(M.mtcp_close(s, sfd), 0); // FIN; the client half-closes nothing
    run(pair, () => stateOf(c, cfd) === "CLOSE-WAIT", 2000);
    const start = pair.network.clock.now();
    const data = new Uint8Array(128 << 10);
    let wrote = 0;
    let rc = 0;
    run(pair, () => {
      rc = M.mtcp_write(c, cfd, data, data.length - wrote);
      if (rc > 0) wrote += rc;
      return rc < 0 && c.errno !== M.EAGAIN;
    }, 5000);
    assert.equal(M.errnoName(c.errno), "ECONNRESET");
    assert.ok(pair.network.clock.now() - start < 100, "within a round trip or two");
    assert.ok(wrote < data.length, "not all 128 KB taken and lost");
  },
));

Deno.test(pairTest(
  "RFC 6056: active opens take ports in the ephemeral range by a keyed hash, never one of the client's own pairs still in TIME-WAIT",
  (pair) => {
    const c = pair.client;
    const s = pair.server;
    const lfd = listenOn(s, 80);
    const used: number[] = [];
    for (let i = 0; i < 5; i++) {
      const cfd = connectTo(c, SERVER, 80);
      const sfd = acceptOne(pair, s, lfd);
      const name: M.SockAddr = { family: 0, addr: 0, port: 0 };
      M.mtcp_getsockname(c, cfd, name);
      used.push(name.port);
      M.mtcp_close(c, cfd); // the client closes first: its pair waits in TIME-WAIT
      run(pair, () => stateOf(c, cfd) === undefined || stateOf(c, cfd) === "TIME-WAIT", 2000);
      M.mtcp_close(s, sfd);
      advance(pair, 10);
    }
    assert.equal(new Set(used).size, 5, `ports ${used.join(", ")}`);
    assert.ok(used.every((p) => p >= 32768 && p <= 60999));
    assert.ok(used[0] !== 32768 || used[1] !== 32769, "not the fixed walk from 32768");
    assert.equal(timeWaits(c), 5, "all five pairs still in TIME-WAIT, and none was reused");
  },
));

Deno.test(pairTest(
  "the stuck-connection watchdog counts a connection with data and nothing armed to move it, and nothing else",
  (pair) => {
    const [cfd] = connected(pair);
    const c = pair.client;
    assert.equal(c.stuckConnections(), 0, "idle: not stuck");
    // Data in flight, unacknowledged: the retransmission timer is armed.
    assert.equal(writeText(c, cfd, "x".repeat(1000)), 1000);
    advance(pair, 0);
    const sock = c.connection(c.slotOf(cfd))!;
    assert.ok(sock.sendQueued > 0 && sock.pollAt() < Infinity);
    assert.equal(c.stuckConnections(), 0, "in flight with a timer: not stuck");
    // An engine fault that lost the timer (simulated): stuck, and counted.
    sock.pollAt = () => Infinity;
    assert.equal(c.stuckConnections(), 1);
  },
));

Deno.test("mtcp_register_signal: the handler runs on the event loop when the signal comes, replaces the one before, and goes with null", async () => {
  const seen: number[] = [];
  assert.equal(M.mtcp_register_signal(1, (s) => seen.push(s)), null);
  const second = (s: number) => seen.push(100 + s);
  const first = M.mtcp_register_signal(1, second);
  assert.equal(typeof first, "function");
  Deno.kill(Deno.pid, "SIGHUP");
  for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen, [101], "only the newer handler ran, with the signal's number");
  assert.equal(M.mtcp_register_signal(1, null), second);
  assert.equal(M.mtcp_register_signal(10, () => {}), undefined, "SIGUSR1: not supported");
});

Deno.test("mtcp_init_rss: connects take source ports whose replies hash to this core's queue; EINVAL for another address", () => {
  M.mtcp_init({ num_cores: 4 });
  try {
    const network = new M.MemoryNetwork();
    const ctx = M.mtcp_create_context(3, { network, address: "10.0.0.1/24" })!;
    const server = M.parseIpv4Address("10.0.0.9")!;
    assert.equal(M.mtcp_init_rss(ctx, M.INADDR_ANY, 1, server, 80), 0);
    for (let i = 0; i < 20; i++) {
      const fd = M.mtcp_socket(ctx, M.AF_INET, M.SOCK_STREAM, 0);
      M.mtcp_setsock_nonblock(ctx, fd);
      M.mtcp_connect(ctx, fd, { family: M.AF_INET, addr: server, port: 80 });
      const name: M.SockAddr = { family: 0, addr: 0, port: 0 };
      M.mtcp_getsockname(ctx, fd, name);
      assert.equal(M.rssQueue(M.rssHashTcp4(server, ctx.iface.address, 80, name.port), 4), 3);
    }
    assert.equal(M.mtcp_init_rss(ctx, M.parseIpv4Address("10.0.0.5")!, 1, server, 80), -1);
    assert.equal(ctx.errno, M.EINVAL);
    assert.equal(M.mtcp_init_rss(ctx, M.INADDR_ANY, 2, server, 80), -1);
    assert.equal(ctx.errno, M.EINVAL);
  } finally {
    M.mtcp_destroy();
  }
});

Deno.test("mtcp_core_affinitize: pins the calling thread to a CPU; a CPU that is not there is EINVAL, named", async () => {
  // In a process of its own: the pin stays with the thread.
  const mod = new URL("../mod.ts", import.meta.url).href;
  const code = `
    import { mtcp_core_affinitize, mtcp_strerror_init } from "${mod}";
    const allowed = () => /Cpus_allowed_list:\\s+(\\S+)/.exec(Deno.readTextFileSync("/proc/thread-self/status"))[1];
    const a = mtcp_core_affinitize(0);
    const pinned = allowed();
    const b = mtcp_core_affinitize(4000);
    console.log(JSON.stringify([a, pinned, b, mtcp_strerror_init(), mtcp_core_affinitize(1.5)]));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(text), [0, "0", -1, "EINVAL: invalid argument (cpu 4000)", -1]);
});

/** Connections of `ctx` in TIME-WAIT: sockets and compact records. */
function timeWaits(ctx: M.MtcpContext): number {
  return [...ctx.connections()].filter((k) => k.state === "TIME-WAIT").length +
    ctx.timeWaitRecords;
}

/**
 * `n` connections to a listener on the server's port 80, each closed by the
 * server first (so its side ends in TIME-WAIT), `each` after every one.
 */
function serverClosesFirst(pair: Pair, n: number, each: () => void): void {
  const s = pair.server;
  const lfd = listenOn(s, 80);
  for (let i = 0; i < n; i++) {
    const cfd = connectTo(pair.client, SERVER, 80);
    const sfd = acceptOne(pair, s, lfd);
    M.mtcp_close(s, sfd);
    run(pair, () => pair.client.stateOf(pair.client.slotOf(cfd)) === "CLOSE-WAIT");
    M.mtcp_close(pair.client, cfd);
    run(pair, () => pair.client.connectionsInUse === 0, 5000);
    each();
  }
}

Deno.test("addresses past 128.0.0.0 (192.168.7.0/24): connect, data both ways, the peer's name, close into a TIME-WAIT record, and a new connection", () => {
  // Such an address is not a small integer in JavaScript: sockets keep it as
  // an int32 and hand it out unsigned, and every lookup must agree.
  assert.equal(M.mtcp_init({ num_cores: 2, max_concurrency: 64, seed: 3 }), 0);
  try {
    const network = new M.MemoryNetwork({ latencyMs: 1 });
    const server = M.mtcp_create_context(0, { network, address: "192.168.7.2/24" })!;
    const client = M.mtcp_create_context(1, { network, address: "192.168.7.201/24" })!;
    const pair: Pair = { network, server, client };
    const serverIp = M.parseIpv4Address("192.168.7.2")!;
    assert.ok(serverIp > 0x7fffffff);
    const lfd = listenOn(server, 80);
    for (let round = 0; round < 2; round++) {
      const cfd = connectTo(client, serverIp, 80);
      const sfd = acceptOne(pair, server, lfd);
      const peer: M.SockAddr = { family: M.AF_INET, addr: 0, port: 0 };
      assert.equal(M.mtcp_getpeername(server, sfd, peer), 0);
      assert.equal(M.formatIpv4(peer.addr), "192.168.7.201");
      assert.equal(M.mtcp_getpeername(client, cfd, peer), 0);
      assert.equal(peer.addr, serverIp);
      assert.equal(writeText(client, cfd, "ping"), 4);
      let got = "";
      run(pair, () => (got += readAll(server, sfd).text) === "ping");
      assert.equal(got, "ping");
      assert.equal(writeText(server, sfd, "pong"), 4);
      got = "";
      run(pair, () => (got += readAll(client, cfd).text) === "pong");
      assert.equal(got, "pong");
      // The client closes first and keeps the pair in TIME-WAIT.
      M.mtcp_close(client, cfd);
      run(pair, () => readAll(server, sfd).rc === 0);
      M.mtcp_close(server, sfd);
      run(pair, () => client.timeWaitRecords === round + 1);
      assert.equal(client.timeWaitRecords, round + 1);
    }
  } finally {
    M.mtcp_destroy();
  }
});
