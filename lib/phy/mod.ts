/**
 * Devices and middleware: the in-memory Ethernet and its scheduler, clocks,
 * and wrappers any device can wear: pcap capture, tracing, fault injection.
 * (The FFI ring devices for TAP, AF_PACKET and netmap come with the Rust shim.)
 *
 * Devices lend frames as views; the memory link copies and allocates nothing
 * per frame (the fault injector, a test tool, copies). This layer
 * moves frames; it must not parse beyond what a capture or trace line needs.
 *
 * @module
 */

export * from "./clock.ts";
export * from "./device_wrapper.ts";
export * from "./fault.ts";
export * from "./memory.ts";
export * from "./pcap_writer.ts";
export * from "./tracer.ts";
