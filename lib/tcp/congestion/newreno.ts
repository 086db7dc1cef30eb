/**
 * Reno window growth (RFC 5681): slow start by bytes acknowledged (RFC 3465,
 * L = 2 SMSS), congestion avoidance of one SMSS per window, halving on loss.
 * The NewReno part (RFC 6582), partial acknowledgments and window inflation,
 * lives in the socket's recovery code.
 *
 * @module
 */

import { type CongestionController, INITIAL_SSTHRESH, initialWindow } from "./controller.ts";

/** Reno/NewReno window arithmetic. */
export class NewReno implements CongestionController {
  /** Always "newreno". */
  readonly name = "newreno" as const;
  /** Congestion window. */
  cwnd: number = 0;
  /** Slow-start threshold (RFC 5681 §3.1: arbitrarily high at first). */
  ssthresh: number = INITIAL_SSTHRESH;
  /** Sender MSS. */
  mss: number = 0;
  #acked = 0;

  /** A window starting at the RFC 6928 initial window. */
  constructor(mss: number) {
    this.mss = mss;
    this.cwnd = initialWindow(mss);
  }

  /** RFC 5681 §3.1: slow start below ssthresh, else one MSS per cwnd of ACKed bytes. */
  onAck(_now: number, acked: number, _srttUs: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, 2 * this.mss);
      return;
    }
    this.#acked += acked;
    if (this.#acked >= this.cwnd) {
      this.#acked -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  /** RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 SMSS); cwnd = ssthresh. */
  onLoss(_now: number, flightSize: number): void {
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.mss);
    this.cwnd = this.ssthresh;
    this.#acked = 0;
  }

  /** RFC 5681 §3.1: after a timeout, cwnd = 1 SMSS (the loss window). */
  onTimeout(_now: number, flightSize: number): void {
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.#acked = 0;
  }

  /** RFC 5681 §4.1: restart window = min(IW, cwnd). */
  onIdleRestart(_now: number): void {
    this.cwnd = Math.min(this.cwnd, initialWindow(this.mss));
  }
}
