import assert from "node:assert/strict";
import { SackScoreboard } from "./sack_scoreboard.ts";
import { NEWRENO_RECOVERY, SACK_RECOVERY } from "./loss_recovery.ts";
import type { CongestionController } from "./congestion/controller.ts";

Deno.test("SackScoreboard: ranges shift as SND.UNA advances; what is acknowledged leaves", () => {
  const sb = new SackScoreboard();
  sb.add(1000, 500);
  sb.add(2000, 500);
  sb.advance(1200); // SND.UNA moves into the first range
  assert.equal(sb.sackedBytes(), 300 + 500);
  assert.equal(sb.endAt(0), 300, "SND.UNA is now inside what was SACKed");
  assert.equal(sb.nextStart(300), 800);
  sb.advance(2000);
  assert.ok(sb.isEmpty);
  assert.equal(sb.highest(), 0);
});

Deno.test("SackScoreboard: pipe counts the holes retransmitted into as in flight again (RFC 6675 §4)", () => {
  const sb = new SackScoreboard();
  sb.add(1000, 1000); // hole [0, 1000), SACKed [1000, 2000), hole [2000, 3000), SACKed [3000, 4000)
  sb.add(3000, 1000);
  assert.equal(sb.pipe(5000, 0), 1000, "above the highest SACK: [4000, 5000)");
  assert.equal(sb.pipe(5000, 1000), 2000, "and the first hole, retransmitted");
  assert.equal(sb.pipe(5000, 3000), 3000, "both holes; the SACKed range between is not counted");
});

Deno.test("SackScoreboard.EMPTY never takes a range (it is shared by every connection)", () => {
  SackScoreboard.EMPTY.add(0, 100);
  assert.ok(SackScoreboard.EMPTY.isEmpty);
});

Deno.test("loss recovery: NewReno needs three duplicates; SACK also counts SACKed bytes; only NewReno retransmits at entry", () => {
  const cc = { cwnd: 10 * 1460, ssthresh: 5 * 1460 } as CongestionController;
  assert.equal(NEWRENO_RECOVERY.lossDetected(2, SackScoreboard.EMPTY, 1460), false);
  assert.equal(SACK_RECOVERY.lossDetected(3, SackScoreboard.EMPTY, 1460), true);
  assert.equal(SACK_RECOVERY.enter(cc, 1460), false, "NextSeg picks what to send");
  assert.equal(cc.cwnd, 10 * 1460, "SACK recovery leaves cwnd to pipe");
  assert.equal(SACK_RECOVERY.partialAck(cc, 1460, 2920), false);
  SACK_RECOVERY.exit(cc, 1460, 0);
  assert.equal(cc.cwnd, 5 * 1460);
  assert.ok(NEWRENO_RECOVERY.forgetsOldDuplicates && !SACK_RECOVERY.forgetsOldDuplicates);
});
