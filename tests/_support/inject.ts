/**
 * Crafted TCP segments delivered straight to a context's interface, as a
 * host on the link that the stack cannot tell from a real one (a spoofed
 * source included).
 *
 * @module
 */

import * as M from "../../lib/mod.ts";

/** What a crafted segment carries. */
export interface Crafted {
  src: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  ts?: { val: number; ecr: number };
  payload?: Uint8Array;
}

const frame = new Uint8Array(2048);
const repr = new M.TcpRepr();

/** Delivers `seg` to `ctx` at time `now`, from MAC 02:00:00:00:00:99. */
export function inject(ctx: M.MtcpContext, now: number, seg: Crafted): void {
  repr.clearOptions();
  repr.srcPort = seg.srcPort;
  repr.dstPort = seg.dstPort;
  repr.seqNumber = seg.seq >>> 0;
  repr.ackNumber = (seg.ack ?? 0) >>> 0;
  repr.flags = seg.flags;
  repr.window = seg.window ?? 65535;
  repr.urgentPointer = 0;
  if (seg.mss !== undefined) repr.mss = seg.mss;
  if (seg.windowScale !== undefined) repr.windowScale = seg.windowScale;
  repr.sackPermitted = seg.sackPermitted ?? false;
  if (seg.ts !== undefined) {
    repr.hasTimestamps = true;
    repr.tsVal = seg.ts.val >>> 0;
    repr.tsEcr = seg.ts.ecr >>> 0;
  }
  const payload = seg.payload ?? new Uint8Array(0);
  const at = 14 + 20;
  const hl = M.tcpHeaderLen(repr);
  frame.set(payload, at + hl);
  const dst = ctx.iface.address;
  M.emitTcp(repr, frame, at, seg.src, dst, payload.length);
  M.writeIpv4Header(
    frame,
    14,
    20,
    seg.src,
    dst,
    M.IP_PROTO_TCP,
    hl + payload.length,
    64,
    0,
    0x4000,
  );
  M.writeEthernetHeader(frame, 0, ctx.iface.mac, 0x02_00_00_00_00_99, M.ETHERTYPE_IPV4);
  ctx.iface.receiveFrame(now, frame, 0, at + hl + payload.length, 0);
}

/**
 * SYNs from `count` forged hosts (10.0.0.100 up, source ports from 1024 +
 * `first`) to `port`, none of which will ever answer.
 */
export function synFlood(
  ctx: M.MtcpContext,
  now: number,
  port: number,
  count: number,
  first = 0,
): void {
  const base = (ctx.iface.address & 0xffffff00) | 100;
  for (let i = first; i < first + count; i++) {
    inject(ctx, now, {
      src: (base + (i % 150)) >>> 0,
      srcPort: 1024 + i,
      dstPort: port,
      seq: (i * 2654435761) >>> 0,
      flags: M.TCP_SYN,
      mss: 1460,
    });
  }
}
