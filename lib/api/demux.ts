/**
 * Where an arriving segment goes (mTCP's tcp_flow_table and listener table):
 * the connection of its four-tuple, else the TIME-WAIT record of it, else
 * the listener of its port. The local address is the interface's own and is
 * not part of the key.
 *
 * @module
 */

import { FlowTable } from "../storage/flow_table.ts";
import { TimeWaitTable } from "../tcp/time_wait.ts";

/**
 * Connections, TIME-WAIT records and listeners by what a segment carries.
 *
 * @example A connection, a record, a listener
 * ```ts
 * import assert from "node:assert/strict";
 * import { Demux } from "../mod.ts";
 * const d = new Demux(16, 16);
 * d.listen(80, 3); // socket slot 3 listens on port 80
 * d.add(0x0a000001, 40000, 80, 7); // connection slot 7
 * assert.equal(d.connection(0x0a000001, 40000, 80), 7);
 * assert.equal(d.listenerOf(80), 3);
 * assert.ok(d.pairInUse(0x0a000001, 40000, 80));
 * d.remove(0x0a000001, 40000, 80, 7);
 * assert.equal(d.connection(0x0a000001, 40000, 80), -1);
 * ```
 */
export class Demux {
  /** Connections in TIME-WAIT the application is done with (none with `twBuckets` 0). */
  readonly timeWait: TimeWaitTable | undefined;
  readonly #flows: FlowTable;
  readonly #listeners = new Map<number, number>(); // port -> socket slot

  /** Room for `capacity` connections and `twBuckets` TIME-WAIT records. */
  constructor(capacity: number, twBuckets: number) {
    this.#flows = new FlowTable(capacity);
    this.timeWait = twBuckets > 0 ? new TimeWaitTable(twBuckets) : undefined;
  }

  /** The connection slot of a four-tuple, or -1. */
  connection(remoteAddr: number, remotePort: number, localPort: number): number {
    return this.#flows.get(remoteAddr, remotePort, localPort);
  }

  /** Files connection slot `conn` under its four-tuple. */
  add(remoteAddr: number, remotePort: number, localPort: number, conn: number): void {
    this.#flows.set(remoteAddr, remotePort, localPort, conn);
  }

  /** Forgets a four-tuple if it still names `conn` (-1: whatever it names). */
  remove(remoteAddr: number, remotePort: number, localPort: number, conn = -1): void {
    const now = this.#flows.get(remoteAddr, remotePort, localPort);
    if (now >= 0 && (conn < 0 || now === conn)) {
      this.#flows.delete(remoteAddr, remotePort, localPort);
    }
  }

  /** The TIME-WAIT record of a four-tuple, or -1. */
  timeWaitRecord(remoteAddr: number, remotePort: number, localPort: number): number {
    return this.timeWait === undefined ? -1 : this.timeWait.find(remoteAddr, remotePort, localPort);
  }

  /** A connection, or a TIME-WAIT record, holds this four-tuple. */
  pairInUse(remoteAddr: number, remotePort: number, localPort: number): boolean {
    return this.#flows.get(remoteAddr, remotePort, localPort) >= 0 ||
      this.timeWaitRecord(remoteAddr, remotePort, localPort) >= 0;
  }

  /** Socket slot `slot` listens on `port`. */
  listen(port: number, slot: number): void {
    this.#listeners.set(port, slot);
  }

  /** The listener's socket slot for `port`, or undefined. */
  listenerOf(port: number): number | undefined {
    return this.#listeners.get(port);
  }

  /** Stops `slot` listening on `port` (if it still does). */
  unlisten(port: number, slot: number): void {
    if (this.#listeners.get(port) === slot) this.#listeners.delete(port);
  }

  /** TIME-WAIT records held. */
  get timeWaitRecords(): number {
    return this.timeWait?.size ?? 0;
  }
}
