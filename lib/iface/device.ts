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

/** Receives frames lent by a device. */
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

/** Where to build one outgoing frame: `bytes[offset, offset + length)`. */
export interface TxSlot {
  /** Memory to write the frame into. */
  bytes: Uint8Array;
  /** Offset of the frame's first byte. */
  offset: number;
}

/** Counters every device keeps. */
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

/** A packet device: a TAP, a ring, a memory link, or middleware around one. */
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
  /** Releases everything the device holds. */
  close(): void;
}
