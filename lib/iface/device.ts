/**
 * The device contract the interface layer consumes, and lib/phy implements.
 *
 * A device lends received frames as views (`bytes`, `offset`, `length`) for
 * the duration of one sink call: no copy and no per-frame allocation. To send,
 * the caller takes a slot with `txAcquire`, builds the frame in place and
 * hands it over with `txCommit`. Time is passed in; a device never reads a
 * clock of its own.
 *
 * @module
 */

/**
 * Receive flag: the frame's TCP/UDP checksum need not be verified. The
 * kernel either verified it, or the frame never crossed a wire and carries a
 * partial checksum (a veth's TP_STATUS_CSUMNOTREADY, a TAP's
 * VIRTIO_NET_HDR_F_NEEDS_CSUM). The IPv4 header checksum is always complete.
 */
export const RX_CHECKSUM_TRUSTED = 1;

/**
 * Receives frames lent by a device.
 *
 * @example Receiving frames from a memory port without an interface
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FrameSink, MemoryNetwork } from "../../mod.ts";
 * const network = new MemoryNetwork();
 * const a = network.attach({ name: "a" });
 * const b = network.attach({ name: "b" });
 * const now = network.clock.now();
 * const slot = a.txAcquire(now, 60)!;
 * slot.bytes.fill(0xff, slot.offset, slot.offset + 6); // to the broadcast MAC
 * a.txCommit(now, 60);
 * a.flush(now);
 * network.runFor(1);
 * const lengths: number[] = [];
 * const sink: FrameSink = { receiveFrame: (_now, _bytes, _offset, length) => lengths.push(length) };
 * b.receive(network.clock.now(), sink, 16);
 * assert.deepEqual(lengths, [60]);
 * ```
 */
export interface FrameSink {
  /**
   * One frame, received at `now`: valid only until this call returns.
   * `flags`: RX_* bits. Time is passed along, not kept in a field: a field
   * read back is a new heap number in every call it is handed to.
   */
  receiveFrame(
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    flags: number,
  ): void;
}

/**
 * Where to build one outgoing frame: `bytes[offset, offset + length)`.
 *
 * @example Building a frame in place in a device's transmit slot
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type TxSlot } from "../../mod.ts";
 * const network = new MemoryNetwork();
 * const port = network.attach({ name: "p" });
 * const slot: TxSlot = port.txAcquire(network.clock.now(), 64)!;
 * slot.bytes.fill(0, slot.offset, slot.offset + 64); // write the frame here
 * port.txCommit(network.clock.now(), 64);
 * port.flush(network.clock.now());
 * assert.equal(port.stats.txFrames, 1);
 * ```
 */
export interface TxSlot {
  /** Memory to write the frame into. */
  bytes: Uint8Array;
  /** Offset of the frame's first byte. */
  offset: number;
}

/**
 * Counters every device keeps.
 *
 * @example Frames and bytes a device carried
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, type DeviceStats, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * const stats: DeviceStats = b.iface.device.stats;
 * assert.ok(stats.rxFrames >= 3 && stats.txFrames >= 2);
 * assert.equal(stats.rxDropped, 0);
 * mtcp_destroy();
 * ```
 */
export interface DeviceStats {
  /** Frames received and lent to a sink. */
  rxFrames: number;
  /** Bytes received. */
  rxBytes: number;
  /** Frames lost on receive (queue or ring full). */
  rxDropped: number;
  /** Frames committed for sending. */
  txFrames: number;
  /** Bytes committed for sending. */
  txBytes: number;
  /** Frames that could not be sent (no slot, link down). */
  txDropped: number;
}

/** A fresh set of zero counters. */
export function deviceStats(): DeviceStats {
  return { rxFrames: 0, rxBytes: 0, rxDropped: 0, txFrames: 0, txBytes: 0, txDropped: 0 };
}

/**
 * A packet device: a TAP, a ring, a memory link, or middleware around one.
 *
 * @example The device under a context's interface
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Device, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const device: Device = ctx.iface.device;
 * assert.equal(device.mtu, 1500);
 * assert.equal(typeof device.name, "string");
 * mtcp_destroy();
 * ```
 */
export interface Device {
  /** A name for messages, like `memory:a` or `tap:mtcp0`. */
  readonly name: string;
  /** Largest IP packet the link carries (1500 on Ethernet). */
  readonly mtu: number;
  /** Counters. */
  readonly stats: DeviceStats;
  /** Lends up to `budget` received frames to `sink`, one call each; returns how many. */
  receive(now: number, sink: FrameSink, budget: number): number;
  /**
   * A slot to build one frame of at most `length` bytes in, or `undefined`
   * when the transmit ring is full. Valid until the next `txCommit`.
   */
  txAcquire(now: number, length: number): TxSlot | undefined;
  /** Sends the frame built in the acquired slot, `length` bytes long. */
  txCommit(now: number, length: number): void;
  /**
   * Largest IPv4 packet carrying TCP that the device cuts into segments
   * itself (TSO), or 0 / absent when it does not.
   */
  readonly tsoMaxBytes?: number;
  /**
   * Sends the acquired slot's frame as a TCP super-frame: the device cuts it
   * into `gsoSize`-byte segments and completes their checksums, whose partial
   * sum is at `l4Offset` (the TCP header's offset in the frame). Only when
   * `tsoMaxBytes` is above 0.
   */
  txCommitGso?(now: number, length: number, gsoSize: number, l4Offset: number): void;
  /** Pushes committed frames out (one system call per batch on real rings). */
  flush(now: number): void;
  /**
   * When the device next has something to deliver: `now` or earlier if a frame
   * is waiting, a later time for a frame held back (delay), `Infinity` if none
   * is known (a real device is then waited on by its file descriptor).
   */
  pollAt(now: number): number;
  /**
   * Brings `stats` up to date with counters kept elsewhere (a ring's
   * `rxDropped`: frames the kernel dropped because the ring was full). Called
   * when the counters are sampled, not per frame.
   */
  refreshStats?(): void;
  /** Releases everything the device holds. */
  close(): void;
}
