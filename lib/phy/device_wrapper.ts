/**
 * Middleware base: a device that forwards every call to the device it wraps.
 * Subclass it and override what the middleware changes.
 *
 * @module
 */

import type { Device, DeviceStats, FrameSink, TxSlot } from "../iface/device.ts";

/** Middleware base: forwards every call to the wrapped device. */
export class DeviceWrapper implements Device {
  /** The wrapped device. */
  readonly inner: Device;
  /** Wraps `inner`. */
  constructor(inner: Device) {
    this.inner = inner;
  }
  /** The wrapped device's name. */
  get name(): string {
    return this.inner.name;
  }
  /** The wrapped device's MTU. */
  get mtu(): number {
    return this.inner.mtu;
  }
  /** The wrapped device's counters. */
  get stats(): DeviceStats {
    return this.inner.stats;
  }
  /** Forwards. */
  receive(now: number, sink: FrameSink, budget: number): number {
    return this.inner.receive(now, sink, budget);
  }
  /** Forwards. */
  txAcquire(now: number, length: number): TxSlot | undefined {
    return this.inner.txAcquire(now, length);
  }
  /** Forwards. */
  txCommit(now: number, length: number): void {
    this.inner.txCommit(now, length);
  }
  /** Forwards. */
  flush(now: number): void {
    this.inner.flush(now);
  }
  /** Forwards. */
  pollAt(now: number): number {
    return this.inner.pollAt(now);
  }
  /** Forwards. */
  close(): void {
    this.inner.close();
  }
}
