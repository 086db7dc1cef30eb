/**
 * 100 MB each way over one connection between two contexts, with CUBIC
 * congestion control, with and without SACK, at 0 %, 1 %, 5 % and 20 % loss
 * (plus 5 % reordering and 1 % duplication when lossy) in both directions.
 * Every byte is checked against the sent stream, and both sides' hashes are
 * compared.
 */
import assert from "node:assert/strict";
import * as M from "../mod.ts";
import { makePair, transfer } from "./_support/mtcp_pair.ts";

const SIZE = 100_000_000;

for (const sack of [1, 0]) {
  for (const loss of [0, 0.01, 0.05, 0.2]) {
    const name = `CUBIC ${sack ? "with" : "without"} SACK moves 100 MB each way byte-identical at ${
      loss * 100
    } % loss`;
    Deno.test(name, async () => {
      const pair = makePair({
        loss,
        reorder: loss > 0 ? 0.05 : 0,
        duplicate: loss > 0 ? 0.01 : 0,
        seed: 11,
        config: { tcp_sack: sack, tcp_congestion: "cubic" },
      });
      try {
        const r = await transfer(pair, SIZE, SIZE);
        assert.equal(r.up, SIZE);
        assert.equal(r.down, SIZE);
        assert.equal(r.upHashes[0], r.upHashes[1], "client-to-server hash");
        assert.equal(r.downHashes[0], r.downHashes[1], "server-to-client hash");
        if (loss === 0) {
          assert.equal(
            r.clientStats.retransmits + r.serverStats.retransmits,
            0,
            "no loss, no retransmission",
          );
        } else {
          assert.ok(
            r.clientStats.retransmits > 0 && r.serverStats.retransmits > 0,
            "losses were repaired",
          );
          if (loss <= 0.05) {
            assert.ok(r.clientStats.fastRetransmits > 0, "fast retransmit was used");
          }
        }
      } finally {
        M.mtcp_destroy();
      }
    });
  }
}
