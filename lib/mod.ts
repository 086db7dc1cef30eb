/**
 * Every layer at once: the codecs, storage, TCP, the interface, devices, the
 * shim's TypeScript side, both APIs and the appliance. The tests, benchmarks
 * and tools reach below the public surface through this module; a program
 * usually imports `mod.ts` (the public surface) or one layer's `mod.ts`.
 *
 * @module
 */

export * from "./wire/mod.ts";
export * from "./storage/mod.ts";
export * from "./tcp/mod.ts";
export * from "./iface/mod.ts";
export * from "./phy/mod.ts";
export * from "../ffi/shim.ts";
export * from "./api/mod.ts";
export * from "./http/mod.ts";
export * from "./apps/mod.ts";
