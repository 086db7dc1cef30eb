/**
 * A user-space TCP/IPv4 stack for Deno, after mTCP.
 *
 * What is here: the packet codecs (`lib/wire`); pools, rings, the
 * out-of-order assembler and the timer wheel (`lib/storage`); the TCP engine
 * with SACK, NewReno and CUBIC (`lib/tcp`); the interface layer with ARP, IPv4
 * (fragmentation and reassembly) and ICMP (`lib/iface`); devices and
 * middleware including a privilege-free in-memory Ethernet with a
 * discrete-event clock, a seeded fault injector, pcap capture, and ring
 * devices on the Rust shim for TAP, AF_PACKET and netmap (`lib/phy`, `ffi/`);
 * mTCP's API with contexts, epoll and its errno contract, and a Deno-shaped
 * API (`createStack`, `listen`/`connect`, `SocketError`) on the same engine
 * (`lib/api`); and the appliance: `serve`, `proxy`, `bench`, `serveHttp`
 * for standard handlers, ping (`lib/apps`).
 *
 * @example Two hosts on an in-memory Ethernet ping each other
 * ```ts
 * import { attachHost, MemoryNetwork, parseIpv4Address, ping } from "./mod.ts";
 *
 * const net = new MemoryNetwork({ latencyMs: 1 });
 * const a = attachHost(net, { name: "a", address: "10.0.0.1/24" });
 * attachHost(net, { name: "b", address: "10.0.0.2/24" });
 * const result = await ping(net, a, parseIpv4Address("10.0.0.2")!, { count: 3 });
 * console.log(`${result.received}/${result.transmitted} replies, rtt ${result.avg} ms`);
 * ```
 *
 * @module
 */

export * from "./lib/wire/mod.ts";
export * from "./lib/storage/mod.ts";
export * from "./lib/tcp/mod.ts";
export * from "./lib/iface/mod.ts";
export * from "./lib/phy/mod.ts";
export * from "./ffi/shim.ts";
export * from "./lib/api/mod.ts";
export * from "./lib/apps/mod.ts";
