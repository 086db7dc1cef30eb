/**
 * The frame fuzzer at full size: mutated kernel frames and crafted TCP
 * segments into a live server context over the in-memory network while 2 MB
 * transfers run through it each way (see tests/_support/fuzz.ts for what is
 * fed and what is checked). Prints a report; exits 1 when an invariant
 * fails (a throw, a frame counted nowhere, an altered transfer, a connection
 * or buffer left behind).
 *
 * Run: `deno run -A scripts/fuzz_frames.ts [FRAMES] [SEED]` (default
 * 10,000,000 frames, seed 1).
 *
 * @module
 */

import { runFuzz } from "../tests/_support/fuzz.ts";

const frames = Number(Deno.args[0] ?? 10_000_000);
const seed = Number(Deno.args[1] ?? 1);
const r = await runFuzz(frames, seed);
console.log(JSON.stringify(r, null, 1));
const ok = r.unaccounted === 0 && r.received === r.delivered + r.dropped &&
  r.connectionsLeft === 0 && r.buffersLeft === 0;
console.log(
  `${r.injected} frames in ${(r.ms / 1000).toFixed(0)} s with ${r.transfers} transfers of ` +
    `${
      r.moved / r.transfers
    } bytes each way intact; received ${r.received} = delivered ${r.delivered} ` +
    `+ dropped ${r.dropped} (unaccounted ${r.unaccounted}); left: ${r.connectionsLeft} connections, ` +
    `${r.buffersLeft} buffers: ${ok ? "PASS" : "FAIL"}`,
);
if (!ok) Deno.exit(1);
