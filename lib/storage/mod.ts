/**
 * Storage for packets and streams: fixed pools allocated once, so the hot path
 * allocates nothing. This layer knows bytes and slots, not protocols; it
 * imports only lib/wire.
 *
 * @module
 */

export * from "./due_heap.ts";
export * from "./frame_pool.ts";
export * from "./assembler.ts";
export * from "./ring_buffer.ts";
export * from "./timer_wheel.ts";
export * from "./buffer_pool.ts";
export * from "./arena.ts";
