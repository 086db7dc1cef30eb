/**
 * The congestion controller interface. The socket runs loss detection and
 * recovery (RFC 6675 with SACK, RFC 6582 without); a controller only says how
 * the congestion window grows and how it shrinks on loss.
 *
 * @module
 */

/** Algorithm names, as TCP_CONGESTION spells them. */
export type CongestionAlgorithm = "newreno" | "cubic";

/** One connection's congestion window. Windows are in bytes. */
export interface CongestionController {
  /** Algorithm name. */
  readonly name: CongestionAlgorithm;
  /** Congestion window. The socket may inflate it during NewReno recovery. */
  cwnd: number;
  /** Slow-start threshold. */
  ssthresh: number;
  /** Sender MSS the window counts in. */
  mss: number;
  /**
   * `acked` bytes of new data were acknowledged outside loss recovery;
   * `srttUs` is the smoothed RTT in whole microseconds.
   */
  onAck(now: number, acked: number, srttUs: number): void;
  /** Loss detected by duplicate ACKs or SACK: enter recovery (RFC 5681 §3.2 step 2). */
  onLoss(now: number, flightSize: number): void;
  /** The retransmission timer expired (RFC 5681 §3.1 eq. 4): back to one segment. */
  onTimeout(now: number, flightSize: number): void;
  /** The connection was idle for an RTO: restart from the initial window (RFC 5681 §4.1). */
  onIdleRestart(now: number): void;
}

/** RFC 6928: the initial window, min(10 MSS, max(2 MSS, 14600 bytes)). */
export function initialWindow(mss: number): number {
  return Math.min(10 * mss, Math.max(2 * mss, 14600));
}
