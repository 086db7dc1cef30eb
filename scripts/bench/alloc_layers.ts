/**
 * Where short-lived allocation happens, layer by layer: each measurement runs
 * in a child Deno, and V8's count of bytes allocated
 * (`getHeapStatistics().total_allocated_bytes`) over the measured rounds,
 * after a warm-up, is divided by the work done.
 *
 * Run: `deno run -A scripts/bench/alloc_layers.ts`. It measures; it asserts nothing.
 *
 * @module
 */

import { getHeapStatistics } from "node:v8";
import * as M from "../../lib/mod.ts";

const layer = Deno.args[0];

// Deno's V8 reports the bytes it has allocated so far; Node's typings lack the field.
const allocated = () =>
  (getHeapStatistics() as unknown as { total_allocated_bytes: number }).total_allocated_bytes;
let markedAt = 0;
function mark(): void {
  markedAt = allocated();
}
function work(count: number, unit: string): void {
  const bytes = allocated() - markedAt;
  console.log(`RESULT ${bytes} ${count} ${unit}`);
}

if (layer === "socket") {
  // Two TCP sockets joined by a synchronous wire: the TCP engine alone.
  // Every buffer (frame, socket rings, the application's data) is in one
  // arena, as on the stack's own path, so copies are copyWithin.
  const owner: M.TcpSocketOwner = { socketEvent() {} };
  const arena = new M.Arena(4 << 20);
  const frame = arena.alloc(2048)!;
  const packet = new M.TcpPacket();
  const seg = new M.TcpRepr();
  let now = 0;
  class Wire implements M.TcpTransmit {
    peer!: M.TcpSocket;
    send(_now: number, sock: M.TcpSocket, repr: M.TcpRepr, off: number, len: number): boolean {
      const hl = M.tcpHeaderLen(repr);
      if (len > 0) sock.copyPayload(off, len, frame, hl);
      M.emitTcp(repr, frame, 0, 1, 2, len);
      M.parseTcp(packet.wrap(frame, 0, hl + len), seg);
      this.peer.process(now, seg, frame);
      return true;
    }
  }
  const cfg = { ...M.TCP_DEFAULTS, delayedAckMs: 0 };
  const a = new M.TcpSocket(0, owner, cfg), b = new M.TcpSocket(1, owner, cfg);
  const rxPool = new M.BufferPool(cfg.rcvBufSize, 2, arena);
  const txPool = new M.BufferPool(cfg.sndBufSize, 2, arena);
  a.usePools(rxPool, txPool);
  b.usePools(rxPool, txPool);
  const wa = new Wire(), wb = new Wire();
  wa.peer = b;
  wb.peer = a;
  a.connect(0, 1, 1000, 2, 80, 12345);
  const syn = new M.TcpRepr();
  a.dispatch(0, {
    send(_now, _s, r) {
      Object.assign(syn, {
        srcPort: r.srcPort,
        dstPort: r.dstPort,
        seqNumber: r.seqNumber,
        flags: r.flags,
      });
      Object.assign(syn, {
        window: r.window,
        mss: r.mss,
        windowScale: r.windowScale,
        sackPermitted: r.sackPermitted,
      });
      return true;
    },
  });
  b.acceptSyn(0, 2, 1, syn, 999);
  let segments = 0;
  const pump = () => {
    while (a.dispatch(now, wa)) segments++;
    while (b.dispatch(now, wb)) segments++;
  };
  pump();
  pump();
  const data = arena.alloc(65536)!, sink = arena.alloc(65536)!;
  const round = () => {
    for (let i = 0; i < 1000; i++) {
      a.send(data, 0, data.length);
      now += 1;
      pump();
      while (b.recv(sink, 0, sink.length) > 0);
      pump();
    }
  };
  round();
  round();
  const start = segments;
  mark();
  for (let t = 0; t < 10; t++) round();
  work(segments - start, "segments");
} else if (layer === "interface") {
  // Two interfaces on the memory link: TCP frames built and received, no sockets.
  const network = new M.MemoryNetwork();
  const a = M.attachHost(network, { name: "a", address: "10.0.0.1/24" });
  const b = M.attachHost(network, { name: "b", address: "10.0.0.2/24" });
  b.iface.tcp = { segmentArrived: () => true };
  const repr = new M.TcpRepr();
  Object.assign(repr, {
    srcPort: 40000,
    dstPort: 80,
    seqNumber: 1,
    ackNumber: 1,
    flags: M.TCP_ACK,
    window: 1000,
  });
  a.iface.ping(network.clock.now(), b.iface.address, 1, 1);
  network.runFor(10);
  const send = (n: number) => {
    const now = network.clock.now();
    for (let i = 0; i < n; i++) {
      const slot = a.iface.beginIpv4(now, b.iface.address, M.IP_PROTO_TCP, 20 + 1448, true)!;
      M.emitTcp(repr, slot.bytes, slot.offset, a.iface.address, b.iface.address, 1448);
      a.iface.commitIpv4(now);
      if ((i & 63) === 63) network.pollAll();
    }
    network.pollAll();
  };
  send(100_000);
  mark();
  for (let t = 0; t < 10; t++) send(100_000);
  work(1_000_000, "frames");
} else if (layer === "context") {
  // Two contexts, the whole stack, driven without epoll (no promises).
  M.mtcp_init({
    num_cores: 2,
    max_concurrency: 16,
    max_num_buffers: 16,
    rcvbuf: 262144,
    sndbuf: 262144,
    // CONFIG='{"tcp_timestamps":0}' adds mtcp.conf keys, to see what a feature costs.
    ...JSON.parse(Deno.env.get("CONFIG") ?? "{}"),
  });
  const clockStart = Deno.env.get("CLOCK_START");
  const network = new M.MemoryNetwork({
    clock: clockStart === undefined ? "virtual" : new M.VirtualClock(Number(clockStart)),
  });
  // NET=192.168.7 puts both ends past 128.0.0.0 (addresses that are not
  // small integers in JavaScript).
  const net = Deno.env.get("NET") ?? "10.0.0";
  const s = M.mtcp_create_context(0, { network, address: `${net}.2/24` })!;
  const c = M.mtcp_create_context(1, { network, address: `${net}.1/24` })!;
  const lfd = M.mtcp_socket(s, M.AF_INET, M.SOCK_STREAM, 0);
  M.mtcp_bind(s, lfd, { family: M.AF_INET, addr: 0, port: 80 });
  M.mtcp_listen(s, lfd, 4);
  const cfd = M.mtcp_socket(c, M.AF_INET, M.SOCK_STREAM, 0);
  M.mtcp_connect(c, cfd, { family: M.AF_INET, addr: s.iface.address, port: 80 });
  let sfd = -1;
  network.runUntil(() => (sfd = M.mtcp_accept(s, lfd)) >= 0);
  const data = new Uint8Array(262144), sink = new Uint8Array(262144);
  const conn = c.connection(c.slotOf(cfd))!;
  const round = () => {
    for (let i = 0; i < 200; i++) {
      M.mtcp_write(c, cfd, data, data.length);
      network.pollAll();
      while (M.mtcp_read(s, sfd, sink, sink.length) > 0);
      network.pollAll();
    }
  };
  // Warm-up: on a loaded machine the optimising compiler (a background
  // thread) can lag behind, and code not yet optimised boxes numbers.
  for (let w = 0; w < 6; w++) round();
  const start = conn.stats.segmentsOut;
  mark();
  const rounds = Number(Deno.env.get("ROUNDS") ?? 10);
  for (let t = 0; t < rounds; t++) round();
  work(conn.stats.segmentsOut - start, "data segments");
  M.mtcp_destroy();
} else {
  const self = new URL(import.meta.url).pathname;
  for (const which of ["socket", "interface", "context"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", self, which],
      stdout: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const m = /RESULT (\d+) (\d+) (.*)/.exec(text);
    if (!out.success || m === null) {
      console.log(`${which}: failed`);
      continue;
    }
    const [bytes, count] = [Number(m[1]), Number(m[2])];
    console.log(
      `${which}: ${(bytes / 1e6).toFixed(1)} MB allocated over ${count} ${m[3]} = ${
        (bytes / count).toFixed(1)
      } bytes each`,
    );
  }
}
