/**
 * Pure packet codecs: Ethernet, ARP, IPv4, ICMP, TCP with options, the
 * Internet checksum, sequence-number arithmetic and the pcap file format.
 *
 * This layer owns bytes and nothing else: no state, no I/O, no clock, and it
 * imports nothing else in lib/.
 *
 * The contract, after smoltcp's `Packet` and `Repr`:
 *
 * - A packet class (`EthernetFrame`, `Ipv4Packet`, `TcpPacket`, ...) is a view
 *   over `bytes[offset, offset + length)` with field getters. It copies
 *   nothing, and `wrap()` re-points it, so one instance serves every packet on
 *   the hot path. Getters do not bounds-check: call `check()` first.
 * - `check()` validates everything that can be wrong on the wire and returns
 *   `"ok"` or the name of the first fault (`"truncated"`, `"badChecksum"`, ...),
 *   which the interface layer counts as a drop reason. Nothing here throws on
 *   any input.
 * - A repr is a small validated value. `parseX(packet, into?)` fills `into`
 *   (reuse one on the hot path) and returns it, or `undefined` when `check()`
 *   fails. `emitX(repr, bytes, offset)` writes exactly `xHeaderLen(repr)`
 *   bytes; the `writeX...` functions do the same from scalars.
 * - Emitters trust their input (the stack built it); parsers trust nothing.
 *
 * @module
 */

export * from "./address.ts";
export * from "./arp.ts";
export * from "./checksum.ts";
export * from "./ethernet.ts";
export * from "./icmp.ts";
export * from "./ipv4.ts";
export * from "./pcap.ts";
export * from "./seq_number.ts";
export * from "./tcp.ts";
export * from "./toeplitz.ts";
