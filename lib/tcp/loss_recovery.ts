/**
 * Loss recovery after duplicate ACKs, behind one small interface, as gVisor
 * splits it (`reno_recovery.go`, `sack_recovery.go`): NewReno's partial ACKs
 * (RFC 6582) when the peer does not SACK, the SACK scoreboard's recovery
 * (RFC 6675, see {@linkcode SackScoreboard}) when it does. A connection uses
 * one of the two, fixed once SACK is (or is not) agreed in the handshake.
 *
 * The strategies hold no state of their own (one object each, shared by
 * every connection): the socket keeps the duplicate-ACK count, `recover`,
 * HighRxt and what to retransmit, and asks the strategy what each event
 * means. Timeouts are not theirs: RFC 6298's go-back-N ends any recovery.
 *
 * @module
 */

import type { CongestionController } from "./congestion/controller.ts";
import type { SackScoreboard } from "./sack_scoreboard.ts";

/** RFC 5681's DupThresh. */
export const DUP_THRESH = 3;

/** What a socket asks of its loss recovery. */
export interface LossRecovery {
  /** `newreno` (RFC 6582) or `sack` (RFC 6675). */
  readonly name: "newreno" | "sack";
  /** Loss of SND.UNA is to be assumed: DupThresh duplicate ACKs, or (SACK) IsLost(SND.UNA). */
  lossDetected(dupAcks: number, scoreboard: SackScoreboard, mss: number): boolean;
  /** A duplicate ACK arrived during recovery. */
  duplicateInRecovery(cc: CongestionController, mss: number): void;
  /**
   * Recovery starts (after the congestion controller's `onLoss`); true when
   * SND.UNA is to be retransmitted at once.
   */
  enter(cc: CongestionController, mss: number): boolean;
  /**
   * A partial ACK (below `recover`) acknowledged `dataAcked` bytes; true when
   * the next hole, at the new SND.UNA, is to be retransmitted at once.
   */
  partialAck(cc: CongestionController, mss: number, dataAcked: number): boolean;
  /** Recovery ends with `flight` bytes still out: sets the window to go on with. */
  exit(cc: CongestionController, mss: number, flight: number): void;
  /**
   * RFC 6582 §3.2 step 1: whether DupThresh duplicates of data sent before
   * the last recovery (or timeout) are forgotten instead of starting another.
   */
  readonly forgetsOldDuplicates: boolean;
}

/**
 * NewReno (RFC 6582): fast retransmit at the third duplicate, cwnd =
 * ssthresh + 3 SMSS, inflated by a segment per further duplicate; a partial
 * ACK retransmits the next hole and deflates by what it acknowledged.
 *
 * @example Three duplicates, a partial ACK, the end of recovery
 * ```ts
 * import assert from "node:assert/strict";
 * import { NEWRENO_RECOVERY, SackScoreboard, type CongestionController } from "../mod.ts";
 * const cc = { cwnd: 14600, ssthresh: 7300 } as CongestionController;
 * assert.ok(NEWRENO_RECOVERY.lossDetected(3, SackScoreboard.EMPTY, 1460));
 * assert.ok(NEWRENO_RECOVERY.enter(cc, 1460)); // retransmit SND.UNA
 * assert.equal(cc.cwnd, 7300 + 3 * 1460);
 * NEWRENO_RECOVERY.duplicateInRecovery(cc, 1460);
 * assert.equal(cc.cwnd, 7300 + 4 * 1460);
 * assert.ok(NEWRENO_RECOVERY.partialAck(cc, 1460, 2920)); // the next hole goes
 * assert.equal(cc.cwnd, 7300 + 4 * 1460 - 2920 + 1460);
 * NEWRENO_RECOVERY.exit(cc, 1460, 20_000);
 * assert.equal(cc.cwnd, 7300); // min(ssthresh, flight + SMSS)
 * ```
 */
export const NEWRENO_RECOVERY: LossRecovery = {
  name: "newreno",
  lossDetected: (dupAcks) => dupAcks >= DUP_THRESH,
  duplicateInRecovery(cc, mss) {
    cc.cwnd += mss; // RFC 6582 §3.2 step 4: inflate
  },
  enter(cc, mss) {
    cc.cwnd = cc.ssthresh + DUP_THRESH * mss; // steps 2-3
    return true;
  },
  partialAck(cc, mss, dataAcked) {
    // Step 5: retransmit the next hole, deflate by what was acknowledged,
    // add back one SMSS if that was at least one.
    cc.cwnd = Math.max(cc.cwnd - dataAcked + (dataAcked >= mss ? mss : 0), mss);
    return true;
  },
  exit(cc, mss, flight) {
    cc.cwnd = Math.min(cc.ssthresh, Math.max(flight, mss) + mss); // step 6, option 1
  },
  forgetsOldDuplicates: true,
};

/**
 * SACK-based recovery (RFC 6675): loss is assumed once more than
 * (DupThresh - 1) SMSS above SND.UNA are SACKed (or at DupThresh duplicates);
 * what is sent during recovery is paced by pipe against cwnd and chosen by
 * NextSeg from the scoreboard (the socket's send path), so the window itself
 * is not inflated or deflated.
 *
 * @example IsLost from the scoreboard, before any third duplicate
 * ```ts
 * import assert from "node:assert/strict";
 * import { SACK_RECOVERY, SackScoreboard } from "../mod.ts";
 * const sb = new SackScoreboard();
 * sb.add(1460, 2 * 1460);
 * assert.equal(SACK_RECOVERY.lossDetected(1, sb, 1460), false); // exactly 2 SMSS
 * sb.add(4380, 1);
 * assert.equal(SACK_RECOVERY.lossDetected(1, sb, 1460), true);
 * ```
 */
export const SACK_RECOVERY: LossRecovery = {
  name: "sack",
  lossDetected: (dupAcks, scoreboard, mss) =>
    dupAcks >= DUP_THRESH ||
    (!scoreboard.isEmpty && scoreboard.sackedBytes() > (DUP_THRESH - 1) * mss),
  duplicateInRecovery() {},
  enter: () => false,
  partialAck: () => false,
  exit(cc) {
    cc.cwnd = cc.ssthresh; // RFC 6675 §5: at RecoveryPoint, cwnd = ssthresh
  },
  forgetsOldDuplicates: false,
};
