/**
 * The retransmission timer's estimator (RFC 6298): SRTT and RTTVAR with
 * alpha = 1/8 and beta = 1/4, RTO = SRTT + max(G, 4 RTTVAR) clamped to a
 * configurable floor and ceiling, doubled per timeout (§5.5). Karn's rule is
 * the caller's: it feeds only samples from segments sent once, or from
 * timestamps (RFC 7323 §4).
 *
 * @module
 */

/** RFC 6298 §2.1: the RTO before any sample. */
export const INITIAL_RTO_MS = 1000;
/** Clock granularity G in milliseconds. */
export const CLOCK_GRANULARITY_MS = 1;

/**
 * The estimator of one connection.
 *
 * @example RFC 6298: the first sample, then a backoff
 * ```ts
 * import assert from "node:assert/strict";
 * import { RttEstimator } from "../mod.ts";
 * const rtt = new RttEstimator(200, 120_000, 1000);
 * assert.equal(rtt.rto, 1000);
 * rtt.sample(100);
 * assert.equal(rtt.srtt, 100);
 * assert.equal(rtt.rto, 300); // srtt + 4 * rttvar, rttvar = 50
 * rtt.backoff();
 * assert.equal(rtt.rto, 600);
 * ```
 */
export class RttEstimator {
  // SRTT and RTTVAR in whole microseconds: small integers, where fractions of
  // a millisecond in fields would cost each connection two heap numbers.
  #srttUs = 0;
  #rttvarUs = 0;
  /** Current RTO in ms, backoff included (whole ms). */
  rto: number = 0;
  /** Timeouts since the last new sample. */
  backoffs = 0;
  /** The floor (Linux: 200 ms). */
  minRto: number = 0;
  /** The ceiling (RFC 6298 §2.5 allows 60 s or more; Linux uses 120 s). */
  maxRto: number = 0;

  /** An estimator with the given floor, ceiling and initial RTO. */
  constructor(minRto = 200, maxRto = 120_000, initialRto = INITIAL_RTO_MS) {
    this.minRto = minRto;
    this.maxRto = maxRto;
    this.rto = Math.min(Math.max(initialRto, minRto), maxRto);
  }

  /** Smoothed RTT in ms (to the microsecond); 0 before the first sample. */
  get srtt(): number {
    return this.#srttUs / 1000;
  }
  /** Smoothed RTT in whole microseconds; 0 before the first sample. */
  get srttUs(): number {
    return this.#srttUs;
  }
  /** RTT variation in ms (to the microsecond). */
  get rttvar(): number {
    return this.#rttvarUs / 1000;
  }

  /** True once a sample has been taken. */
  get hasSample(): boolean {
    return this.#srttUs > 0;
  }

  /** Feeds one RTT measurement in ms (RFC 6298 §2.2 and §2.3). */
  sample(rtt: number): void {
    const r = Math.round(Math.max(rtt, CLOCK_GRANULARITY_MS / 2) * 1000);
    if (this.#srttUs === 0) {
      this.#srttUs = r;
      this.#rttvarUs = Math.round(r / 2);
    } else {
      this.#rttvarUs = Math.round(0.75 * this.#rttvarUs + 0.25 * Math.abs(this.#srttUs - r));
      this.#srttUs = Math.round(0.875 * this.#srttUs + 0.125 * r);
    }
    this.backoffs = 0;
    this.rto = this.#clamp(
      Math.ceil((this.#srttUs + Math.max(CLOCK_GRANULARITY_MS * 1000, 4 * this.#rttvarUs)) / 1000),
    );
  }

  /** RFC 6298 §5.5: the timer expired; double the RTO. */
  backoff(): void {
    this.backoffs++;
    this.rto = this.#clamp(this.rto * 2);
  }

  #clamp(rto: number): number {
    return Math.min(Math.max(rto, this.minRto), this.maxRto);
  }
}
