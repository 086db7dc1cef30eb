/**
 * Applications on the stack, built only on lib/api: for now ping; `serve`,
 * `proxy` and `bench` come with the TCP engine.
 *
 * @module
 */

export * from "./ping.ts";
