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
 * - The networks a context is attached to: the privilege-free in-memory
 *   Ethernet ({@linkcode MemoryNetwork}) and a real device
 *   ({@linkcode RingDevice} in a {@linkcode DeviceNetwork}: `tap:`,
 *   `packet:`, `xdp:`, `netmap:`), with the device contract for one of your
 *   own, and the configuration and statistics types.
 *
 * The engine's parts (the TCP socket, the interface, pools and codecs) are
 * not here: they are the layer modules below.
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

// The Deno-shaped API: stacks, listeners, connections, one error class.
export {
  type ConnectOptions,
  createStack,
  type ListenOptions,
  type NetAddr,
  NetStack,
  SocketError,
  type StackInit,
  TcpConn,
  TcpListener,
} from "./lib/api/deno_net.ts";

// HTTP on the stack: Deno.serve-style handlers, with the parser's limits.
export { serveHttp } from "./lib/apps/http_serve.ts";
export type {
  HttpHandler,
  HttpServer,
  ServeHttpInfo,
  ServeHttpOptions,
} from "./lib/apps/http_serve.ts";
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./lib/http/request.ts";

// mTCP's API, its constants, errno words and configuration.
export * from "./lib/api/mtcp.ts";
export * from "./lib/api/constants.ts";
export type { MtcpConfig } from "./lib/api/config.ts";
export { MtcpContext } from "./lib/api/context.ts";
export type { ContextAttachment, ContextStats } from "./lib/api/context.ts";
export type { SocketKind } from "./lib/api/socket_pool.ts";
export type { HostOptions } from "./lib/api/host.ts";
export type { InterfaceConfig } from "./lib/iface/interface.ts";
export type { ArpConfig } from "./lib/iface/arp_cache.ts";
export type { ReassemblyConfig } from "./lib/iface/reassembly.ts";
export type { TcpConfig } from "./lib/tcp/socket.ts";
export type { CongestionAlgorithm } from "./lib/tcp/congestion/controller.ts";
export { formatIpv4, parseIpv4Address } from "./lib/wire/address.ts";

// The networks and devices a user opens, and the device contract.
export { MemoryNetwork } from "./lib/phy/memory.ts";
export type {
  MemoryDevice,
  MemoryNetworkOptions,
  MemoryPortOptions,
  RunOptions,
  RunResult,
} from "./lib/phy/memory.ts";
export { RingDevice, type RingDeviceOptions } from "./lib/phy/ring_device.ts";
export { DeviceNetwork, type DeviceNetworkOptions } from "./lib/phy/device_network.ts";
export type { ShimCounters, ShimRing } from "./ffi/shim.ts";
export type { Network, Pollable } from "./lib/phy/network.ts";
export type { Device, DeviceStats, FrameSink, TxSlot } from "./lib/iface/device.ts";
export type { Clock } from "./lib/phy/clock.ts";
export type { FaultInjectorOptions, Impairment } from "./lib/phy/fault.ts";
export type { PcapSink } from "./lib/phy/pcap_writer.ts";
export type { TraceDirection, TraceFn } from "./lib/phy/tracer.ts";
