/**
 * CUBIC (RFC 9438): window growth as a cubic function of the time since the
 * last congestion event, with fast convergence and the Reno-friendly region.
 * Windows are kept in bytes; the cubic is evaluated in segments and seconds
 * as the RFC writes it.
 *
 * @module
 */

import { type CongestionController, INITIAL_SSTHRESH, initialWindow } from "./controller.ts";

/** RFC 9438 §4.1: C = 0.4. */
export const CUBIC_C = 0.4;
/** RFC 9438 §4.6: beta_cubic = 0.7. */
export const CUBIC_BETA = 0.7;
/** RFC 9438 §4.3: alpha_cubic = 3 (1 - beta) / (1 + beta). */
const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/** CUBIC window arithmetic. */
export class Cubic implements CongestionController {
  /** Always "cubic". */
  readonly name = "cubic" as const;
  /** Congestion window in bytes. */
  cwnd: number = 0;
  /** Slow-start threshold in bytes. */
  ssthresh: number = INITIAL_SSTHRESH;
  /** Sender MSS. */
  mss: number = 0;
  /** W_max in segments: the window before the last reduction. */
  wMax = 0;
  /** K in seconds: when the cubic reaches W_max again. */
  k = 0;
  #epochStart = -1;
  #cwndEpoch = 0; // cwnd (segments) at the start of the epoch
  #wEst = 0; // the Reno-friendly estimate, in segments

  /** A window starting at the RFC 6928 initial window. */
  constructor(mss: number) {
    this.mss = mss;
    this.cwnd = initialWindow(mss);
  }

  /** Slow start, else RFC 9438 §4.2-4.4: the cubic target or the Reno-friendly window. */
  onAck(now: number, acked: number, srttUs: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, 2 * this.mss);
      return;
    }
    const seg = this.cwnd / this.mss;
    if (this.#epochStart < 0) {
      // §4.8: a new epoch starts with the first ACK of congestion avoidance.
      this.#epochStart = now;
      this.#cwndEpoch = seg;
      this.#wEst = seg;
      if (this.wMax <= seg) {
        this.k = 0;
        this.wMax = seg;
      } else {
        this.k = Math.cbrt((this.wMax - seg) / CUBIC_C);
      }
    }
    const t = (now - this.#epochStart) / 1000;
    const rtt = Math.max(srttUs, 1000) / 1e6;
    // §4.2: W_cubic(t + RTT) as the target for the next RTT.
    let target = CUBIC_C * (t + rtt - this.k) ** 3 + this.wMax;
    target = Math.min(Math.max(target, seg), 1.5 * seg); // §4.2: bounded growth
    // §4.3: W_est grows like Reno with alpha_cubic.
    this.#wEst += (CUBIC_ALPHA * acked) / this.cwnd;
    let next: number;
    if (this.#wEst > target) next = seg + (this.#wEst - seg) / seg;
    else next = seg + (target - seg) / seg;
    this.cwnd = Math.max(this.cwnd, Math.round(next * this.mss));
  }

  /** §4.6 and §4.7: multiplicative decrease by beta, with fast convergence. */
  onLoss(_now: number, _flightSize: number): void {
    const seg = this.cwnd / this.mss;
    this.wMax = seg < this.wMax ? (seg * (1 + CUBIC_BETA)) / 2 : seg;
    this.ssthresh = Math.max(Math.floor(this.cwnd * CUBIC_BETA), 2 * this.mss);
    this.cwnd = this.ssthresh;
    this.#epochStart = -1;
  }

  /** §4.8: on timeout, reduce as for loss, then cwnd = 1 segment. */
  onTimeout(now: number, flightSize: number): void {
    this.onLoss(now, flightSize);
    this.cwnd = this.mss;
  }

  /** RFC 5681 §4.1 restart window; the epoch restarts. */
  onIdleRestart(_now: number): void {
    this.cwnd = Math.min(this.cwnd, initialWindow(this.mss));
    this.#epochStart = -1;
  }
}
