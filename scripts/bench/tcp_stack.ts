/**
 * Two contexts over the in-memory network in one process: bulk throughput,
 * small-request transactions per second, memory per idle established
 * connection at 100,000 connections, and the heap over a long transfer.
 *
 * Run: `deno task bench` (or `deno run -A --v8-flags=--expose-gc scripts/bench/tcp_stack.ts`).
 * Environment: BULK_MB (default 500), TPS_SECONDS (5), IDLE_CONNS (100000).
 * It measures; it asserts nothing. Numbers go to BENCHMARKS.md by hand, with
 * the machine they came from.
 *
 * @module
 */

import * as M from "../../lib/mod.ts";

const BULK_MB = Number(Deno.env.get("BULK_MB") ?? "500");
const TPS_SECONDS = Number(Deno.env.get("TPS_SECONDS") ?? "5");
const IDLE_CONNS = Number(Deno.env.get("IDLE_CONNS") ?? "100000");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function pair(config: Record<string, unknown>) {
  if (M.mtcp_init({ num_cores: 2, seed: 1, ...config }) !== 0) {
    throw new Error(M.mtcp_strerror_init());
  }
  const network = new M.MemoryNetwork();
  const server = M.mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
  const client = M.mtcp_create_context(1, { network, address: "10.0.0.1/24" })!;
  return { network, server, client };
}

function listener(ctx: M.MtcpContext, port: number, backlog: number): number {
  const fd = M.mtcp_socket(ctx, M.AF_INET, M.SOCK_STREAM, 0);
  M.mtcp_setsock_nonblock(ctx, fd);
  M.mtcp_bind(ctx, fd, { family: M.AF_INET, addr: 0, port });
  M.mtcp_listen(ctx, fd, backlog);
  return fd;
}

// --- Bulk --------------------------------------------------------------------------

async function bulk(): Promise<void> {
  const { network, server, client } = pair({
    max_concurrency: 16,
    max_num_buffers: 16,
    rcvbuf: 262144,
    sndbuf: 262144,
  });
  const lfd = listener(server, 5001, 4);
  const cfd = M.mtcp_socket(client, M.AF_INET, M.SOCK_STREAM, 0);
  M.mtcp_connect(client, cfd, { family: M.AF_INET, addr: server.iface.address, port: 5001 });
  const total = BULK_MB * 1_000_000;
  const chunk = new Uint8Array(256 * 1024).fill(0x5a);
  const heap: number[] = [];
  let received = 0;
  const t0 = performance.now();
  const reader = async () => {
    const ep = M.mtcp_epoll_create(server, 4);
    M.mtcp_epoll_ctl(server, ep, M.MTCP_EPOLL_CTL_ADD, lfd, { events: M.MTCP_EPOLLIN, data: lfd });
    const ev: M.MtcpEpollEvent[] = [];
    let fd = -1;
    const buf = new Uint8Array(256 * 1024);
    let nextSample = 0;
    while (received < total) {
      await M.mtcp_epoll_wait(server, ep, ev, 4, -1);
      if (fd < 0) {
        fd = M.mtcp_accept(server, lfd);
        if (fd >= 0) {
          M.mtcp_epoll_ctl(server, ep, M.MTCP_EPOLL_CTL_ADD, fd, {
            events: M.MTCP_EPOLLIN,
            data: fd,
          });
        }
        continue;
      }
      for (
        let r = M.mtcp_read(server, fd, buf, buf.length);
        r > 0;
        r = M.mtcp_read(server, fd, buf, buf.length)
      ) {
        received += r;
      }
      if (received >= nextSample) {
        gc();
        heap.push(Deno.memoryUsage().heapUsed);
        nextSample += total / 10;
      }
    }
  };
  const writer = async () => {
    const ep = M.mtcp_epoll_create(client, 4);
    M.mtcp_epoll_ctl(client, ep, M.MTCP_EPOLL_CTL_ADD, cfd, { events: M.MTCP_EPOLLOUT, data: cfd });
    const ev: M.MtcpEpollEvent[] = [];
    let sent = 0;
    while (sent < total) {
      await M.mtcp_epoll_wait(client, ep, ev, 4, -1);
      for (;;) {
        const w = M.mtcp_write(client, cfd, chunk, Math.min(chunk.length, total - sent));
        if (w <= 0) break;
        sent += w;
      }
    }
  };
  await Promise.all([reader(), writer()]);
  const secs = (performance.now() - t0) / 1000;
  const conn = client.connection(client.slotOf(cfd))!;
  console.log(
    `bulk: ${BULK_MB} MB in ${secs.toFixed(2)} s wall = ${
      (total * 8 / secs / 1e9).toFixed(2)
    } Gbit/s` +
      ` (${conn.stats.segmentsOut} segments, ${
        (conn.stats.segmentsOut / secs / 1000).toFixed(0)
      }k segments/s one way;` +
      ` virtual time ${((network.clock.now() - 1_700_000_000_000) / 1000).toFixed(2)} s)`,
  );
  const growth = heap.at(-1)! - heap[1]!;
  console.log(
    `heap after GC at each tenth of the transfer (MB): ${
      heap.map((h) => (h / 1e6).toFixed(1)).join(" ")
    }` +
      ` -> growth ${(growth / 1e6).toFixed(2)} MB over ${(total * 0.8 / 1e6).toFixed(0)} MB`,
  );
  M.mtcp_destroy();
}

// --- Transactions ----------------------------------------------------------------------

async function transactions(): Promise<void> {
  const CONNS = 64;
  const { server, client } = pair({ max_concurrency: 256, max_num_buffers: 1024, tcp_nodelay: 1 });
  const lfd = listener(server, 80, CONNS);
  const deadline = performance.now() + TPS_SECONDS * 1000;
  let done = 0;
  const req = new Uint8Array(64).fill(0x71);
  const serverLoop = async () => {
    const ep = M.mtcp_epoll_create(server, 256);
    M.mtcp_epoll_ctl(server, ep, M.MTCP_EPOLL_CTL_ADD, lfd, { events: M.MTCP_EPOLLIN, data: lfd });
    const ev: M.MtcpEpollEvent[] = [];
    const buf = new Uint8Array(4096);
    while (performance.now() < deadline) {
      const n = await M.mtcp_epoll_wait(server, ep, ev, 256, 100);
      for (let i = 0; i < n; i++) {
        const fd = ev[i]!.data;
        if (fd === lfd) {
          for (let c = M.mtcp_accept(server, lfd); c >= 0; c = M.mtcp_accept(server, lfd)) {
            M.mtcp_epoll_ctl(server, ep, M.MTCP_EPOLL_CTL_ADD, c, {
              events: M.MTCP_EPOLLIN,
              data: c,
            });
          }
          continue;
        }
        const r = M.mtcp_read(server, fd, buf, buf.length);
        if (r > 0) M.mtcp_write(server, fd, buf, r);
      }
    }
  };
  const clientLoop = async () => {
    const ep = M.mtcp_epoll_create(client, 256);
    const ev: M.MtcpEpollEvent[] = [];
    const buf = new Uint8Array(4096);
    for (let i = 0; i < CONNS; i++) {
      const fd = M.mtcp_socket(client, M.AF_INET, M.SOCK_STREAM, 0);
      M.mtcp_connect(client, fd, { family: M.AF_INET, addr: server.iface.address, port: 80 });
      M.mtcp_epoll_ctl(client, ep, M.MTCP_EPOLL_CTL_ADD, fd, {
        events: M.MTCP_EPOLLIN | M.MTCP_EPOLLOUT,
        data: fd,
      });
    }
    const started = new Set<number>();
    while (performance.now() < deadline) {
      const n = await M.mtcp_epoll_wait(client, ep, ev, 256, 100);
      for (let i = 0; i < n; i++) {
        const fd = ev[i]!.data;
        if (!started.has(fd) && (ev[i]!.events & M.MTCP_EPOLLOUT)) {
          started.add(fd);
          M.mtcp_epoll_ctl(client, ep, M.MTCP_EPOLL_CTL_MOD, fd, {
            events: M.MTCP_EPOLLIN,
            data: fd,
          });
          M.mtcp_write(client, fd, req, req.length);
          continue;
        }
        const r = M.mtcp_read(client, fd, buf, buf.length);
        if (r > 0) {
          done++;
          M.mtcp_write(client, fd, req, req.length);
        }
      }
    }
  };
  const t0 = performance.now();
  await Promise.all([serverLoop(), clientLoop()]);
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `transactions: ${done} request/response pairs of 64 B over ${CONNS} connections in ${
      secs.toFixed(1)
    } s` +
      ` = ${(done / secs).toFixed(0)} per second (both stacks on one core)`,
  );
  M.mtcp_destroy();
}

// --- Idle connections -----------------------------------------------------------------------

function idle(): void {
  const N = IDLE_CONNS;
  gc();
  const before = Deno.memoryUsage();
  // Room for N connections plus the listeners (one socket id each).
  const ports = Math.ceil(N / 20_000);
  const { network, server, client } = pair({
    max_concurrency: N + ports + 16,
    max_num_buffers: 64,
    tcp_delayed_ack_ms: 0,
  });
  gc();
  const empty = Deno.memoryUsage();
  // One client address has 28,232 ephemeral ports per server port: the
  // listeners above leave room in each range.
  const lfds = Array.from({ length: ports }, (_, i) => listener(server, 80 + i, N));
  let accepted = 0;
  for (let batch = 0; batch < N; batch += 1000) {
    for (let i = batch; i < Math.min(batch + 1000, N); i++) {
      const fd = M.mtcp_socket(client, M.AF_INET, M.SOCK_STREAM, 0);
      M.mtcp_connect(client, fd, {
        family: M.AF_INET,
        addr: server.iface.address,
        port: 80 + (i % ports),
      });
    }
    network.runUntil(() => {
      for (const lfd of lfds) while (M.mtcp_accept(server, lfd) >= 0) accepted++;
      return accepted === Math.min(batch + 1000, N);
    }, { timeoutMs: 60_000 });
  }
  // One 64-byte request and response on every connection, as a kept-alive
  // connection between requests has had, 16 connections at a time (the pool
  // holds 64 buffers).
  const clients = [...client.connections()];
  const servers = new Map<number, M.TcpSocket>();
  for (const s of server.connections()) servers.set(s.remotePort * 65536 + s.localPort, s);
  const msg = new Uint8Array(64).fill(0x61);
  const got = new Uint8Array(64);
  for (let g = 0; g < clients.length; g += 16) {
    const group = clients.slice(g, g + 16);
    const peers = group.map((c) => servers.get(c.localPort * 65536 + c.remotePort)!);
    for (const c of group) {
      c.send(msg, 0, 64);
      client.markDirty(c.id);
    }
    network.runUntil(() => {
      let done = 0;
      for (const s of peers) {
        if (s.recv(got, 0, 64) === 64) {
          s.send(msg, 0, 64);
          server.markDirty(s.id);
        }
      }
      for (const c of group) {
        c.recv(got, 0, 64);
        if (c.stats.bytesIn === 64 && c.sendQueued === 0) done++;
      }
      return done === group.length;
    }, { timeoutMs: 60_000 });
  }
  network.runFor(1000);
  gc();
  const full = Deno.memoryUsage();
  const perEnd = (full.heapUsed + full.external - empty.heapUsed - empty.external) / (2 * accepted);
  console.log(
    `idle: ${accepted} established connections, one 64-byte exchange each (both ends in this process): ` +
      `${((full.heapUsed - empty.heapUsed) / 1e6).toFixed(0)} MB heap, ` +
      `${((full.external - empty.external) / 1e6).toFixed(0)} MB external => ${
        perEnd.toFixed(0)
      } bytes per endpoint ` +
      `(contexts' fixed tables: ${
        ((empty.heapUsed + empty.external - before.heapUsed - before.external) / 1e6).toFixed(0)
      } MB; ` +
      `buffers in use: ${server.buffersInUse + client.buffersInUse})`,
  );
  M.mtcp_destroy();
}

console.log(
  `deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}`,
);
await bulk();
await transactions();
idle();
