/**
 * Capture middleware: every frame a device receives or sends, written in the
 * libpcap format that tcpdump, tshark and Wireshark open.
 *
 * @module
 */

import type { Device, FrameSink, TxSlot } from "../iface/device.ts";
import {
  PCAP_FILE_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
  PCAP_SNAPLEN,
  writePcapFileHeader,
  writePcapRecordHeader,
} from "../wire/pcap.ts";
import { DeviceWrapper } from "./device_wrapper.ts";

/**
 * Where capture bytes go.
 *
 * @example Capturing a context's frames into memory, in pcap format
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, type PcapSink, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const chunks: Uint8Array[] = [];
 * const pcap: PcapSink = { write: (b) => chunks.push(b.slice()), close: () => {} };
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24", pcap })!;
 * mtcp_create_context(1, { network, address: "10.0.0.2/24" });
 * mtcp_connect(a, mtcp_socket(a, AF_INET, SOCK_STREAM, 0), { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * network.runFor(100);
 * const head = new DataView(chunks[0]!.buffer);
 * assert.equal(head.getUint32(0, true), 0xa1b2c3d4); // the pcap magic
 * assert.ok(chunks.length > 2);
 * mtcp_destroy();
 * ```
 */
export interface PcapSink {
  /** Takes bytes; they may be reused after the call returns. */
  write(bytes: Uint8Array): void;
  /** Flushes and releases the sink. */
  close(): void;
}

/** A buffered file sink: one write system call per 64 KiB. */
export class PcapFileSink implements PcapSink {
  readonly #file: Deno.FsFile;
  readonly #buffer = new Uint8Array(64 * 1024);
  #used = 0;
  /** Creates or truncates `path`. */
  constructor(path: string) {
    this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
  }
  /** Buffers `bytes`. */
  write(bytes: Uint8Array): void {
    if (this.#used + bytes.length > this.#buffer.length) this.flush();
    if (bytes.length > this.#buffer.length) {
      writeAll(this.#file, bytes);
      return;
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }
  /** Writes what is buffered. */
  flush(): void {
    if (this.#used > 0) writeAll(this.#file, this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }
  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    this.#file.close();
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let o = 0; o < bytes.length;) o += file.writeSync(bytes.subarray(o));
}

/** A sink that keeps the capture in memory (for tests and tools). */
export class PcapMemorySink implements PcapSink {
  readonly #chunks: Uint8Array[] = [];
  /** Copies `bytes`. */
  write(bytes: Uint8Array): void {
    this.#chunks.push(bytes.slice());
  }
  /** Nothing to release. */
  close(): void {}
  /** The capture so far as one file image. */
  bytes(): Uint8Array {
    const total = this.#chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Middleware that records both directions of a device to a pcap sink. */
export class PcapWriter extends DeviceWrapper implements FrameSink {
  /** Frames written. */
  frames = 0;
  readonly #sink: PcapSink;
  readonly #record = new Uint8Array(PCAP_RECORD_HEADER_LEN);
  readonly #recordView = new DataView(this.#record.buffer);
  #outer: FrameSink | undefined;
  #slot: TxSlot | undefined;
  #closed = false;

  /** Writes the file header to `sink` at once. */
  constructor(inner: Device, sink: PcapSink) {
    super(inner);
    this.#sink = sink;
    const header = new Uint8Array(PCAP_FILE_HEADER_LEN);
    writePcapFileHeader(header);
    sink.write(header);
  }

  /** Records and forwards received frames. */
  override receive(now: number, sink: FrameSink, budget: number): number {
    this.#outer = sink;
    const n = this.inner.receive(now, this, budget);
    this.#outer = undefined;
    return n;
  }

  /** @internal */
  receiveFrame(
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    flags: number,
  ): void {
    this.#capture(now, bytes, offset, length);
    this.#outer!.receiveFrame(now, bytes, offset, length, flags);
  }

  /** Forwards, remembering the slot to capture at commit. */
  override txAcquire(now: number, length: number): TxSlot | undefined {
    this.#slot = this.inner.txAcquire(now, length);
    return this.#slot;
  }

  /** Records the frame, then forwards. */
  override txCommit(now: number, length: number): void {
    if (this.#slot !== undefined) this.#capture(now, this.#slot.bytes, this.#slot.offset, length);
    this.#slot = undefined;
    this.inner.txCommit(now, length);
  }

  /** Closes the wrapped device and the capture. */
  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.inner.close();
    this.#sink.close();
  }

  #capture(now: number, bytes: Uint8Array, offset: number, length: number): void {
    if (this.#closed) return;
    const captured = Math.min(length, PCAP_SNAPLEN);
    writePcapRecordHeader(this.#recordView, 0, now, captured, length);
    this.#sink.write(this.#record);
    this.#sink.write(bytes.subarray(offset, offset + captured));
    this.frames++;
  }
}
