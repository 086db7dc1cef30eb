import assert from "node:assert/strict";
import { PollSet } from "./network.ts";
import { VirtualClock } from "./clock.ts";

Deno.test("PollSet.pollAll: until nothing happens by default; at most maxPasses passes when bounded (a device that always has frames cannot hold the loop)", () => {
  const clock = new VirtualClock();
  const set = new PollSet();
  let left = 5; // work for five passes, then quiet
  let polls = 0;
  set.add({ poll: () => (polls++, left-- > 0), pollAt: () => Infinity });
  assert.equal(set.pollAll(clock), true);
  assert.equal(polls, 6, "five busy passes and a quiet one");
  const busy = new PollSet();
  let passes = 0;
  busy.add({ poll: () => (passes++, true), pollAt: () => 0 });
  assert.equal(busy.pollAll(clock, 4), true);
  assert.equal(passes, 4);
});
