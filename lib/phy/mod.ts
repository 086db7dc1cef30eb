/**
 * Devices and middleware: the in-memory Ethernet and its scheduler, clocks,
 * the ring device on the Rust shim (TAP, AF_PACKET, netmap) and the
 * one-host network around it, and wrappers any device can wear: pcap
 * capture, tracing, fault injection.
 *
 * Devices lend frames as views; the memory link copies and allocates nothing
 * per frame (the fault injector, a test tool, copies). This layer
 * moves frames; it must not parse beyond what a capture or trace line needs.
 *
 * @module
 */

export * from "./clock.ts";
export * from "./device_network.ts";
export * from "./device_wrapper.ts";
export * from "./fault.ts";
export * from "./memory.ts";
export * from "./network.ts";
export * from "./pcap_writer.ts";
export * from "./ring_device.ts";
export * from "./tracer.ts";
