/**
 * A device for unit tests: frames pushed with `inject` are received; frames
 * the interface sends are kept in `sent`.
 *
 * @module
 */

import { type Device, deviceStats, type FrameSink, type TxSlot } from "../../lib/iface/device.ts";

/** Records what is sent; receives what is injected. */
export class RecordingDevice implements Device {
  readonly name = "recording";
  readonly mtu: number;
  readonly stats = deviceStats();
  /** Frames sent, copied. */
  readonly sent: Uint8Array[] = [];
  readonly #rx: Uint8Array[] = [];
  readonly #buffer: Uint8Array;
  readonly #slot: TxSlot;
  /** When false, txAcquire fails (a full ring). */
  ringHasRoom = true;

  constructor(mtu = 1500) {
    this.mtu = mtu;
    this.#buffer = new Uint8Array(mtu + 18);
    this.#slot = { bytes: this.#buffer, offset: 0 };
  }
  /** Queues a frame to be received. */
  inject(frame: Uint8Array): void {
    this.#rx.push(frame);
  }
  /** Removes and returns the frames sent so far. */
  take(): Uint8Array[] {
    return this.sent.splice(0);
  }
  receive(now: number, sink: FrameSink, budget: number): number {
    let n = 0;
    while (n < budget && this.#rx.length > 0) {
      const f = this.#rx.shift()!;
      // Lend it at an offset inside a bigger buffer, as a ring would.
      const ring = new Uint8Array(f.length + 64);
      ring.set(f, 32);
      sink.receiveFrame(now, ring, 32, f.length, 0);
      n++;
    }
    return n;
  }
  txAcquire(_now: number, length: number): TxSlot | undefined {
    return this.ringHasRoom && length <= this.#buffer.length ? this.#slot : undefined;
  }
  txCommit(_now: number, length: number): void {
    this.sent.push(this.#buffer.slice(0, length));
  }
  flush(_now: number): void {}
  pollAt(now: number): number {
    return this.#rx.length > 0 ? now : Infinity;
  }
  close(): void {}
}
