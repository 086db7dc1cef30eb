/**
 * A packet device on the Rust shim's rings (`tap:NAME`, `packet:IFNAME`,
 * `xdp:IFNAME`, `netmap:IFNAME`). Received frames are lent as ranges of the one view of
 * ring memory mapped at open; frames to send are built straight into
 * transmit slots of the same memory. A receive burst is one FFI call, a
 * transmit burst (at `flush`, or when the slots run out) another: nothing is
 * allocated per frame.
 *
 * Waiting is the shim's `nonblocking` poll on the device's descriptor, which
 * {@linkcode RingDevice.wake} ends early; in busy-poll mode the scheduler
 * spins on receive instead (lower latency, one core spent).
 *
 * @module
 */

import {
  type Device,
  type DeviceStats,
  deviceStats,
  type FrameSink,
  RX_CHECKSUM_TRUSTED,
  type TxSlot,
} from "../iface/device.ts";
import { Arena } from "../storage/arena.ts";
import {
  DESC_CSUM_PARTIAL,
  DESC_CSUM_VALID,
  FEATURE_CREATED,
  FEATURE_GONE,
  FEATURE_TSO,
  FEATURE_VNET_HDR,
  OPEN_MULTI_QUEUE,
  OPEN_NO_QDISC_BYPASS,
  OPEN_TSO,
  OPEN_VNET_HDR,
  type ShimCounters,
  ShimRing,
} from "../../ffi/shim.ts";

/**
 * Options of {@linkcode RingDevice.open}.
 *
 * @example Options for a TAP with offloads (opening it needs root)
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RingDeviceOptions, type StackInit } from "../../mod.ts";
 * const ring: RingDeviceOptions = { vnetHdr: true, tso: true, slots: 1024 };
 * const init: StackInit = { address: "10.0.0.2/24", device: "tap:mtcp0", hostAddress: "10.0.0.1/24", ring };
 * assert.equal(init.ring?.slots, 1024);
 * // await using stack = createStack(init); // as root
 * ```
 */
export interface RingDeviceOptions {
  /** TAP: the virtio header, with checksum offload from the kernel (default off). */
  vnetHdr?: boolean;
  /** TAP with the virtio header: accept TSO/GRO super-frames (default off). */
  tso?: boolean;
  /** TAP: open one queue of a multi-queue TAP (one per context). */
  multiQueue?: boolean;
  /** AF_PACKET: bypass the qdisc (default true). */
  qdiscBypass?: boolean;
  /** Receive and transmit descriptors (default 256). */
  slots?: number;
  /**
   * Bytes of the ring's mapping kept for socket buffers (default 64 MiB; pages
   * cost nothing until used). Frames and buffers then share one
   * ArrayBuffer, so copying a payload is `copyWithin` and allocates nothing.
   */
  arenaBytes?: number;
  /** The shim library, when not in the usual places. */
  shimPath?: string;
  /** Spin on receive instead of sleeping in poll (default false). */
  busyPoll?: boolean;
}

const CHECKSUM_FLAGS = DESC_CSUM_PARTIAL | DESC_CSUM_VALID;
/** VIRTIO_NET_HDR_GSO_TCPV4. */
const GSO_TCPV4 = 1;

/**
 * A device on one shim ring: `tap:NAME`, `packet:IFNAME`, `xdp:IFNAME` or
 * `netmap:IFNAME`. Put it in a {@linkcode DeviceNetwork} to attach a context.
 * Opening fails with one line that names what is missing.
 *
 * @example Opening, and the one-line error when the device is not there
 * ```ts
 * import assert from "node:assert/strict";
 * import { RingDevice } from "../../mod.ts";
 * // As root: `using tap = RingDevice.open("tap:mtcp0")`, then
 * // `tap.ring.configureTap(addr, 24)` gives the kernel's side an address.
 * assert.throws(() => RingDevice.open("packet:nosuchif0"), /no such interface|shim/);
 * ```
 */
export class RingDevice implements Device {
  /** The spec, as `tap:mtcp0`. */
  readonly name: string;
  /** The interface's MTU. */
  readonly mtu: number = 0;
  /** Counters kept on the TypeScript side. */
  readonly stats: DeviceStats = deviceStats();
  /** The ring. */
  readonly ring: ShimRing;
  /** Spin instead of sleeping. */
  readonly busyPoll: boolean;
  /**
   * Buffer memory in the ring's own mapping, for the host's sockets.
   *
   * @internal
   */
  readonly arena: Arena | undefined;
  /** Frames received whose checksum the kernel vouched for (partial or verified). */
  rxChecksumTrusted = 0;
  /** Failed receive or transmit calls (the device's errno is in `ring.lastErrno`). */
  errors = 0;
  readonly #mem: Uint8Array;
  readonly #rxDesc: Uint32Array;
  readonly #txDesc: Uint32Array;
  readonly #slot: TxSlot;
  readonly #slotSize: number = 0;
  #txUsed = 0;
  #txAvail: number = 0;
  #closed = false;
  #gone = false;

  private constructor(ring: ShimRing, busyPoll: boolean) {
    this.ring = ring;
    this.name = ring.spec;
    this.mtu = ring.mtu;
    this.busyPoll = busyPoll;
    this.#mem = ring.mem;
    this.#rxDesc = ring.rxDesc;
    this.#txDesc = ring.txDesc;
    this.#slotSize = ring.slotSize;
    this.#txAvail = ring.txAvail;
    this.#slot = { bytes: ring.mem, offset: 0 };
    this.arena = ring.arenaBytes > 0
      ? new Arena({ buffer: ring.mem.buffer as ArrayBuffer, offset: 0, length: ring.arenaBytes })
      : undefined;
  }

  /**
   * Opens `spec`. Throws an `Error` of one line when it cannot (missing
   * capability, no such interface, netmap absent, the shim not found).
   */
  static open(spec: string, options: RingDeviceOptions = {}): RingDevice {
    let flags = 0;
    if (options.vnetHdr) flags |= OPEN_VNET_HDR;
    if (options.tso) flags |= OPEN_TSO | OPEN_VNET_HDR;
    if (options.multiQueue) flags |= OPEN_MULTI_QUEUE;
    if (options.qdiscBypass === false) flags |= OPEN_NO_QDISC_BYPASS;
    const ring = ShimRing.open(spec, {
      flags,
      arenaBytes: options.arenaBytes ?? 64 << 20,
      ...(options.slots !== undefined ? { slots: options.slots } : {}),
      ...(options.shimPath !== undefined ? { shimPath: options.shimPath } : {}),
    });
    return new RingDevice(ring, options.busyPoll ?? false);
  }

  /** The interface's own MAC (packet, netmap, xdp), or 0 for a TAP. */
  get hardwareMac(): number {
    return this.ring.mac;
  }

  /** True when the shim created the TAP (it disappears on close). */
  get created(): boolean {
    return (this.ring.features & FEATURE_CREATED) !== 0;
  }

  /** True when the virtio header is on. */
  get vnetHdr(): boolean {
    return (this.ring.features & FEATURE_VNET_HDR) !== 0;
  }

  /** True once the device went away (deleted, dead descriptor). */
  get gone(): boolean {
    return (this.ring.features & FEATURE_GONE) !== 0;
  }

  /** The shim's counters (kernel drops included). */
  counters(): ShimCounters {
    return this.ring.counters();
  }

  /** Takes the frames the kernel dropped on receive (ring full) into `stats.rxDropped`. */
  refreshStats(): void {
    if (!this.#closed) this.stats.rxDropped = this.ring.counters().rxDropped;
  }

  /** Lends up to `budget` frames of one receive burst. */
  receive(now: number, sink: FrameSink, budget: number): number {
    if (this.#closed) return 0;
    const n = this.ring.rx(Math.min(budget, this.ring.rxSlots));
    if (n <= 0) {
      if (n < 0 && !this.#gone) {
        this.errors++;
        this.#gone = this.gone;
      }
      return 0;
    }
    const d = this.#rxDesc;
    const mem = this.#mem;
    const stats = this.stats;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const length = d[j + 1]!;
      stats.rxFrames++;
      stats.rxBytes += length;
      if ((d[j + 2]! & CHECKSUM_FLAGS) !== 0) {
        this.rxChecksumTrusted++;
        sink.receiveFrame(now, mem, d[j]!, length, RX_CHECKSUM_TRUSTED);
      } else {
        sink.receiveFrame(now, mem, d[j]!, length, 0);
      }
    }
    return n;
  }

  /** The next transmit slot; sends the burst first when the slots ran out. */
  txAcquire(now: number, length: number): TxSlot | undefined {
    if (this.#closed || length > this.#slotSize) return undefined;
    if (this.#txUsed >= this.#txAvail) {
      this.flush(now);
      if (this.#txUsed >= this.#txAvail) {
        this.stats.txDropped++;
        return undefined;
      }
    }
    this.#slot.offset = this.#txDesc[this.#txUsed * 4]!;
    return this.#slot;
  }

  /** TSO: super-frames up to this many bytes of IPv4 packet when opened with `tso` (else 0). */
  get tsoMaxBytes(): number {
    return (this.ring.features & FEATURE_TSO) !== 0 ? Math.min(65535, this.#slotSize - 18) : 0;
  }

  /** Like `txCommit`, for a TCP super-frame the kernel segments (virtio GSO_TCPV4). */
  txCommitGso(_now: number, length: number, gsoSize: number, l4Offset: number): void {
    const j = this.#txUsed * 4;
    this.#txDesc[j + 1] = length;
    this.#txDesc[j + 2] = DESC_CSUM_PARTIAL | (GSO_TCPV4 << 8) | (gsoSize << 16);
    this.#txDesc[j + 3] = l4Offset | (16 << 16); // the TCP checksum is 16 bytes in
    this.#txUsed++;
    this.stats.txFrames++;
    this.stats.txBytes += length;
  }

  /** Marks the acquired slot's frame for the next burst. */
  txCommit(_now: number, length: number): void {
    const j = this.#txUsed * 4;
    this.#txDesc[j + 1] = length;
    this.#txDesc[j + 2] = 0;
    this.#txDesc[j + 3] = 0;
    this.#txUsed++;
    this.stats.txFrames++;
    this.stats.txBytes += length;
  }

  /** Sends the committed frames (one FFI call); with none, refreshes free slots. */
  flush(_now: number): void {
    if (this.#closed) return;
    const n = this.#txUsed;
    if (n === 0 && this.#txAvail === this.ring.txSlots) return;
    const sent = this.ring.tx(n);
    if (sent < 0) this.errors++;
    else if (sent < n) this.stats.txDropped += n - sent;
    this.#txUsed = 0;
    this.#txAvail = this.ring.txAvail;
  }

  /** A real device is waited on by its descriptor: `Infinity`. */
  pollAt(_now: number): number {
    return Infinity;
  }

  /**
   * Waits up to `timeoutMs` for a frame or a {@linkcode RingDevice.wake}, off
   * the JavaScript thread; resolves to 1 (readable), 2 (woken), 0 (timeout)
   * or a negative errno.
   */
  wait(timeoutMs: number): Promise<number> {
    if (this.#closed) return Promise.resolve(0);
    return this.ring.wait(timeoutMs);
  }

  /**
   * Spins on this thread up to `us` microseconds for a frame (no sleep, no
   * promise, no allocation): 1 when one can be received, else 0.
   */
  spin(us: number): number {
    return this.#closed ? 0 : this.ring.spin(us);
  }

  /** Ends a wait in progress. */
  wake(): void {
    if (!this.#closed) this.ring.wake();
  }

  /** Sends what is pending and closes the ring (after a wait in progress ends). */
  close(): void {
    if (this.#closed) return;
    this.flush(0);
    this.#closed = true;
    void this.ring.close();
  }

  /** Closes and resolves once the ring's memory is released. */
  async closeAsync(): Promise<void> {
    if (!this.#closed) {
      this.flush(0);
      this.#closed = true;
    }
    await this.ring.close();
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `closeAsync()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.closeAsync();
  }
}
