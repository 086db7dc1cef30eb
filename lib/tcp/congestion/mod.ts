/**
 * Congestion control behind one interface: NewReno and CUBIC.
 *
 * @module
 */

import type { CongestionAlgorithm, CongestionController } from "./controller.ts";
import { Cubic } from "./cubic.ts";
import { NewReno } from "./newreno.ts";

export * from "./controller.ts";
export * from "./cubic.ts";
export * from "./newreno.ts";

/** A controller of the named algorithm for a sender MSS. */
export function createController(name: CongestionAlgorithm, mss: number): CongestionController {
  return name === "cubic" ? new Cubic(mss) : new NewReno(mss);
}

/** True for a name {@linkcode createController} knows. */
export function isCongestionAlgorithm(name: string): name is CongestionAlgorithm {
  return name === "newreno" || name === "cubic";
}
