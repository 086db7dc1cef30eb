import assert from "node:assert/strict";
import {
  COOKIE_MSS_TABLE,
  cookieMssIndex,
  cookieTsVal,
  decodeCookieOptions,
  encodeCookieOptions,
  SynCookies,
} from "./syncookie.ts";

const A = 0x0a000001;
const B = 0x0a000002;

Deno.test("syncookie: every MSS index round-trips, at the minute made and the next, for any client ISN", () => {
  const jar = new SynCookies(7);
  for (const sseq of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]) {
    for (let data = 0; data < COOKIE_MSS_TABLE.length; data++) {
      for (const minute of [0, 255, 256, 0xffffff]) {
        const cookie = jar.make(A, B, 40000, 80, sseq, data, minute);
        assert.equal(jar.check(A, B, 40000, 80, sseq, cookie, minute), data);
        assert.equal(jar.check(A, B, 40000, 80, sseq, cookie, minute + 1), data);
      }
    }
  }
});

Deno.test("syncookie: stale, misdirected and forged cookies are rejected", () => {
  const jar = new SynCookies(7);
  const cookie = jar.make(A, B, 40000, 80, 1000, 2, 50);
  assert.equal(jar.check(A, B, 40000, 80, 1000, cookie, 52), -1, "two minutes later");
  assert.equal(jar.check(A, B, 40000, 80, 1000, cookie, 49), -1, "from the future");
  // (A client ISN a few apart only moves the data: the ISN comes from the ACK itself.)
  assert.equal(jar.check(A, B, 40000, 80, 1000 + 0x10000, cookie, 50), -1, "another client ISN");
  assert.equal(jar.check(B, B, 40000, 80, 1000, cookie, 50), -1, "another source");
  assert.equal(jar.check(A, B, 40000, 81, 1000, cookie, 50), -1, "another port");
  assert.equal(new SynCookies(8).check(A, B, 40000, 80, 1000, cookie, 50), -1, "another key");
  // Guessing: a random cookie passes with probability 2 * 4 / 2^24.
  let passed = 0;
  for (let i = 0; i < 100_000; i++) {
    const guess = (Math.random() * 2 ** 32) >>> 0;
    if (jar.check(A, B, 40000, 80, 1000, guess, 50) >= 0) passed++;
  }
  assert.ok(passed <= 3, `${passed} of 100,000 guesses passed`);
});

Deno.test("syncookie: the MSS table rounds down, the options ride in six bits, the TSval never runs ahead", () => {
  assert.deepEqual(COOKIE_MSS_TABLE, [536, 1300, 1440, 1460]);
  assert.deepEqual([0, 535, 536, 1299, 1300, 1439, 1440, 1459, 1460, 9000].map(cookieMssIndex), [
    0,
    0,
    0,
    0,
    1,
    1,
    2,
    2,
    3,
    3,
  ]);
  for (let ws = -1; ws <= 14; ws++) {
    for (const sack of [false, true]) {
      const bits = encodeCookieOptions(ws, sack);
      assert.ok(bits < 64);
      assert.deepEqual(decodeCookieOptions(bits), { windowScale: ws, sackPermitted: sack });
    }
  }
  for (const now of [0, 63, 64, 1000, 0xffffffff, 0x80000020]) {
    for (const bits of [0, 0x1f, 0x3f]) {
      const ts = cookieTsVal(now, bits);
      assert.equal(ts & 0x3f, bits);
      const ahead = (ts - now) | 0;
      assert.ok(ahead <= 0 && ahead > -128, `TSval ${ts} for clock ${now}`);
    }
  }
});
