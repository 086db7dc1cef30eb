/**
 * A user-space TCP/IPv4 stack for Deno, after mTCP: the public surface.
 *
 * - Deno's own shapes on the user-space stack: {@linkcode createStack},
 *   `listen`/`connect` ({@linkcode TcpListener}, {@linkcode TcpConn}, web
 *   streams whose back-pressure is the TCP window), {@linkcode SocketError},
 *   and {@linkcode serveHttp} for standard `Request => Response` handlers.
 * - mTCP's API with its errno contract: `mtcp_init`, `mtcp_create_context`,
 *   `mtcp_socket` ... `mtcp_epoll_wait`, and Linux's numbers for errno, socket
 *   options and epoll flags.
 * - The privilege-free in-memory Ethernet ({@linkcode MemoryNetwork}), and the
 *   parts of the engine a context exposes for inspection: its interface,
 *   sockets, epoll instances and counters.
 *
 * Each layer is also a module of its own, for programs that reach below this
 * surface: `lib/wire/mod.ts` (codecs), `lib/storage/mod.ts`, `lib/tcp/mod.ts`
 * (the TCP engine, sans I/O), `lib/iface/mod.ts`, `lib/phy/mod.ts` (devices,
 * fault injection, pcap, ring devices), `ffi/shim.ts`, `lib/api/mod.ts` and
 * `lib/apps/mod.ts` (the appliance: serve, proxy, bench, ping); `lib/mod.ts`
 * re-exports them all.
 *
 * @example Two stacks on an in-memory Ethernet: a Deno-style echo
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStack, MemoryNetwork } from "./mod.ts";
 *
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const listener = server.listen({ port: 7 });
 * const conn = await client.connect({ hostname: "10.0.0.1", port: 7 });
 * const peer = await listener.accept();
 * await conn.write(new TextEncoder().encode("hello"));
 * const buf = new Uint8Array(16);
 * const n = await peer.read(buf);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), "hello");
 * conn.close();
 * peer.close();
 * listener.close();
 * ```
 *
 * @module
 */

// The Deno-shaped API and the HTTP entry point.
export * from "./lib/api/deno_net.ts";
export { serveHttp } from "./lib/apps/http_serve.ts";
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./lib/http/request.ts";
export type {
  HttpHandler,
  HttpServer,
  ServeHttpInfo,
  ServeHttpOptions,
} from "./lib/apps/http_serve.ts";

// mTCP's API and its constants.
export * from "./lib/api/mtcp.ts";
export * from "./lib/api/constants.ts";
export type { MtcpConfig } from "./lib/api/config.ts";
export { formatIpv4, parseIpv4Address } from "./lib/wire/address.ts";

// The in-memory network.
export { MemoryDevice, MemoryNetwork } from "./lib/phy/memory.ts";
export type { MemoryPortOptions, RunOptions, RunResult } from "./lib/phy/memory.ts";
export type { Network, Pollable } from "./lib/phy/network.ts";
export type { Clock } from "./lib/phy/clock.ts";
export type { FaultInjectorOptions, Impairment } from "./lib/phy/fault.ts";
export type { PcapSink } from "./lib/phy/pcap_writer.ts";
export type { RingDeviceOptions } from "./lib/phy/ring_device.ts";
export type { TraceDirection, TraceFn } from "./lib/phy/tracer.ts";

// What a context exposes for inspection: its loop, epoll, interface and sockets.
export { MtcpContext } from "./lib/api/context.ts";
export type { ContextAttachment, ContextStats, SocketKind } from "./lib/api/context.ts";
export { Driver } from "./lib/api/driver.ts";
export type { Scheduler } from "./lib/api/driver.ts";
export { Epoll } from "./lib/api/epoll.ts";
export type { ReadinessSource } from "./lib/api/epoll.ts";
export type { HostOptions } from "./lib/api/host.ts";
export { Interface } from "./lib/iface/interface.ts";
export type { EchoReplyFn, InterfaceConfig, TcpHandler } from "./lib/iface/interface.ts";
export type { Device, DeviceStats, FrameSink, TxSlot } from "./lib/iface/device.ts";
export { ArpCache } from "./lib/iface/arp_cache.ts";
export type { ArpAction, ArpConfig, ArpEntry, ArpState } from "./lib/iface/arp_cache.ts";
export { Reassembler } from "./lib/iface/reassembly.ts";
export type { FragmentOutcome, PartialDatagram, ReassemblyConfig } from "./lib/iface/reassembly.ts";
export { DROP_REASONS, InterfaceStats } from "./lib/iface/stats.ts";
export type { DropReason, TrafficCounters } from "./lib/iface/stats.ts";
export { TcpSocket } from "./lib/tcp/socket.ts";
export type {
  TcpConfig,
  TcpError,
  TcpSocketOwner,
  TcpSocketStats,
  TcpTransmit,
} from "./lib/tcp/socket.ts";
export type { TcpState } from "./lib/tcp/state.ts";
export type { CongestionAlgorithm, CongestionController } from "./lib/tcp/congestion/controller.ts";
export { RttEstimator } from "./lib/tcp/rtt_estimator.ts";
export { Arena } from "./lib/storage/arena.ts";
export { BufferPool } from "./lib/storage/buffer_pool.ts";
export { RingBuffer } from "./lib/storage/ring_buffer.ts";
export { FramePool } from "./lib/storage/frame_pool.ts";
export { Ipv4Packet } from "./lib/wire/ipv4.ts";
export type { Ipv4Check } from "./lib/wire/ipv4.ts";
export { TcpRepr } from "./lib/wire/tcp.ts";
