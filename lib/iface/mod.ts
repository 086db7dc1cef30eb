/**
 * The interface layer: one Ethernet interface with its ARP cache, IPv4 input
 * validation, routing, fragmentation and reassembly, ICMP, and the hand-off of
 * TCP segments to the transport. It also defines the {@linkcode Device}
 * contract that lib/phy implements.
 *
 * This layer owns addresses and datagrams. It must not own sockets or
 * connection state (lib/tcp), open devices or read a clock (lib/phy), or
 * throw on anything a peer sends: every fault is a counted drop.
 *
 * @module
 */

export * from "./arp_cache.ts";
export * from "./device.ts";
export * from "./interface.ts";
export * from "./reassembly.ts";
export * from "./stats.ts";
