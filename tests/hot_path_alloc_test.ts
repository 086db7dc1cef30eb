/**
 * The hot path allocates nothing per packet: each layer of
 * scripts/bench/alloc_layers.ts runs in a child Deno (an isolate of its own,
 * so other tests' garbage does not count), and V8's count of bytes allocated
 * over the measured rounds is divided by the packets moved.
 *
 * What is left today is less than one 16-byte heap number per packet, spread
 * over calls where V8 boxes a number that is not a small integer (the
 * clock, mostly); an object, array, closure or view made per packet is 32
 * bytes or more and the smallest copy view about 100. The bounds sit above
 * the spread measured on this machine (socket 2.2 to 5.3 bytes per segment,
 * interface 1.2 to 3.1 per frame, context 4.9 to 8.8 per data segment over
 * 30 rounds) and below one object per packet, so a regression fails here
 * rather than in a benchmark.
 */
import assert from "node:assert/strict";

const script = new URL("../scripts/bench/alloc_layers.ts", import.meta.url).pathname;

async function bytesPerPacket(layer: string, env: Record<string, string> = {}): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, layer],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const m = /RESULT (\d+) (\d+) (.*)/.exec(text);
  assert.ok(out.success && m !== null, `${layer}: ${text} ${new TextDecoder().decode(out.stderr)}`);
  const b = Number(m[1]) / Number(m[2]);
  console.log(`${layer}: ${b.toFixed(1)} bytes allocated per ${m[3]!.replace(/s$/, "")}`);
  return b;
}

/**
 * The least of up to three runs: on a loaded machine a run can measure code
 * the JIT has not optimised yet, or optimised differently. With four runs of
 * the context layer at once on this 2-core machine, most runs measure 4 to
 * 10 bytes per data segment and about one in four measures 18 to 23 (one
 * boxed number per segment in a less inlined build of the same code); three
 * independent runs all that high would be one in sixty, and a real
 * regression (an object per packet, 32 bytes or more) fails all three.
 */
async function leastOfThree(layer: string, bound: number, env: Record<string, string> = {}) {
  let least = Infinity;
  for (let i = 0; i < 3 && least >= bound; i++) {
    least = Math.min(least, await bytesPerPacket(layer, env));
  }
  return least;
}

Deno.test("hot path: the TCP engine allocates under 16 bytes per segment (two sockets, one arena)", async () => {
  const b = await leastOfThree("socket", 16);
  assert.ok(b < 16, `${b.toFixed(1)} bytes per segment`);
});

Deno.test("hot path: the interface allocates under 8 bytes per frame (TCP frames both ways)", async () => {
  const b = await leastOfThree("interface", 8);
  assert.ok(b < 8, `${b.toFixed(1)} bytes per frame`);
});

Deno.test("hot path: the whole stack allocates under 24 bytes per data segment over 30 rounds", async () => {
  // 30 rounds (about a million segments) so a collection or a recompilation
  // during the run is spread thin.
  const b = await leastOfThree("context", 24, { ROUNDS: "30" });
  assert.ok(b < 24, `${b.toFixed(1)} bytes per data segment`);
});
