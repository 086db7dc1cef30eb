import assert from "node:assert/strict";
import {
  checksumAdd,
  checksumFold,
  checksumUpdate16,
  checksumUpdate32,
  internetChecksum,
  pseudoHeaderSum,
} from "./checksum.ts";
import { prng } from "../../tests/_support/fixtures.ts";

Deno.test("internetChecksum() matches the worked example of RFC 1071 §3", () => {
  // RFC 1071: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded), checksum 220d.
  const bytes = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(checksumFold(checksumAdd(0, bytes, 0, bytes.length)), 0xddf2);
  assert.equal(internetChecksum(bytes), 0x220d);
});

Deno.test("internetChecksum() pads an odd final byte with zero", () => {
  assert.equal(internetChecksum(new Uint8Array([0x12, 0x34, 0x56])), ~(0x1234 + 0x5600) & 0xffff);
});

Deno.test("a buffer that contains its own checksum sums to 0xffff", () => {
  const rand = prng(7);
  for (let n = 0; n < 50; n++) {
    const bytes = new Uint8Array(2 + Math.floor(rand() * 1500) * 2);
    for (let i = 2; i < bytes.length; i++) bytes[i] = rand() * 256;
    const c = internetChecksum(bytes);
    bytes[0] = c >>> 8;
    bytes[1] = c & 0xff;
    assert.equal(checksumFold(checksumAdd(0, bytes, 0, bytes.length)), 0xffff);
  }
});

Deno.test("checksumUpdate16() and checksumUpdate32() agree with a full recomputation (RFC 1624)", () => {
  const rand = prng(42);
  for (let n = 0; n < 500; n++) {
    const bytes = new Uint8Array(40);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rand() * 256;
    // Include the all-zero-but-one cases that break RFC 1141's formula.
    if (n % 50 === 0) bytes.fill(0);
    const before = internetChecksum(bytes);
    const at = 2 * Math.floor(rand() * 19);
    const oldWord = (bytes[at]! << 8) | bytes[at + 1]!;
    const newWord = n % 50 === 0 ? 0xffff : Math.floor(rand() * 65536);
    bytes[at] = newWord >>> 8;
    bytes[at + 1] = newWord & 0xff;
    const full = internetChecksum(bytes);
    const incremental = checksumUpdate16(before, oldWord, newWord);
    // 0x0000 and 0xffff are both zero in one's complement.
    assert.equal(incremental % 0xffff, full % 0xffff, `word ${at}: ${incremental} vs ${full}`);

    const before32 = internetChecksum(bytes);
    const at32 = 4 * Math.floor(rand() * 9);
    const old32 = ((bytes[at32]! << 24) | (bytes[at32 + 1]! << 16) | (bytes[at32 + 2]! << 8) |
      bytes[at32 + 3]!) >>> 0;
    const new32 = Math.floor(rand() * 2 ** 32);
    bytes[at32] = new32 >>> 24;
    bytes[at32 + 1] = new32 >>> 16;
    bytes[at32 + 2] = new32 >>> 8;
    bytes[at32 + 3] = new32;
    assert.equal(
      checksumUpdate32(before32, old32, new32) % 0xffff,
      internetChecksum(bytes) % 0xffff,
    );
  }
});

Deno.test("pseudoHeaderSum() adds addresses as 16-bit halves, protocol and length", () => {
  const sum = pseudoHeaderSum(0x0a000001, 0x0a000002, 6, 20);
  assert.equal(sum, 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 20);
});
