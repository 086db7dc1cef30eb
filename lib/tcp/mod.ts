/**
 * The TCP engine (RFC 9293), sans-I/O: the connection state machine, the
 * RTO estimator, congestion control and initial sequence numbers. It never
 * reads a clock, never sets a timer and never touches a device: time is
 * passed in and segments go out through the caller's transmitter.
 *
 * @module
 */

export * from "./congestion/mod.ts";
export * from "./isn.ts";
export * from "./rtt_estimator.ts";
export * from "./socket.ts";
export * from "./state.ts";
export * from "./syncookie.ts";
export * from "./ephemeral.ts";
export * from "./time_wait.ts";
export * from "./stored_time.ts";
export * from "./sack_scoreboard.ts";
export * from "./loss_recovery.ts";
