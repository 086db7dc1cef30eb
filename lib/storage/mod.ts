/**
 * Storage for packets and streams: frame pools, byte rings, the out-of-order
 * assembler, the timer wheel and the arena they can share. Memory is taken
 * once and reused, and copies inside one arena are `copyWithin`. This layer
 * knows bytes and slots, not protocols; it imports nothing else in lib/.
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
export * from "./flow_table.ts";
