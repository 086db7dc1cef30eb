/**
 * The frame fuzzer, bounded (scripts/fuzz_frames.ts runs it at 10 million
 * frames): 200,000 mutated kernel frames and crafted segments into a live
 * server context while transfers run through it.
 */
import assert from "node:assert/strict";
import { runFuzz } from "./_support/fuzz.ts";

Deno.test("fuzzer: 200,000 mutated frames: nothing throws, every frame is counted once, the transfers are intact, nothing is left", async () => {
  const r = await runFuzz(200_000, 5);
  assert.equal(r.injected, 200_000);
  assert.ok(r.transfers >= 1);
  assert.equal(
    r.unaccounted,
    0,
    `${r.received} received, ${r.delivered} delivered, ${r.dropped} dropped`,
  );
  assert.equal(r.received, r.delivered + r.dropped);
  assert.ok(r.dropped > r.injected / 4, "most junk is dropped, by reason");
  assert.equal(r.connectionsLeft, 0);
  assert.equal(r.buffersLeft, 0);
});
