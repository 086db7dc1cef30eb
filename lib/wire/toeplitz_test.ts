import assert from "node:assert/strict";
import { MTCP_RSS_KEY, rssHashTcp4, toeplitzHash } from "./toeplitz.ts";
import { parseIpv4Address } from "./address.ts";

// Microsoft's "Verifying the RSS Hash Calculation" key and vectors.
const KEY = Uint8Array.from(
  "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"
    .match(/../g)!.map((h) => parseInt(h, 16)),
);
const VECTORS: [string, string, number, number][] = [
  ["161.142.100.80:1766", "66.9.149.187:2794", 0x323e8fc2, 0x51ccc178],
  ["65.69.140.83:4739", "199.92.111.2:14230", 0xd718262a, 0xc626b0ea],
  ["12.22.207.184:38024", "24.19.198.95:12898", 0xd2d0a5de, 0x5c2b394a],
  ["209.142.163.6:2217", "38.27.205.30:48228", 0x82989176, 0xafc7327f],
  ["202.188.127.2:1303", "153.39.163.191:44251", 0x5d1809c5, 0x10e828a2],
];

Deno.test("Toeplitz: the five published vectors, IPv4 only and IPv4 with TCP", () => {
  for (const [dst, src, ipOnly, withTcp] of VECTORS) {
    const [daddr, dport] = dst.split(":");
    const [saddr, sport] = src.split(":");
    const s = parseIpv4Address(saddr!)!;
    const d = parseIpv4Address(daddr!)!;
    const input = Uint8Array.of(
      s >>> 24,
      (s >>> 16) & 255,
      (s >>> 8) & 255,
      s & 255,
      d >>> 24,
      (d >>> 16) & 255,
      (d >>> 8) & 255,
      d & 255,
    );
    assert.equal(toeplitzHash(KEY, input), ipOnly, `${src} -> ${dst}, IPv4 only`);
    assert.equal(
      rssHashTcp4(s, d, Number(sport), Number(dport), KEY),
      withTcp,
      `${src} -> ${dst}, TCP`,
    );
  }
});

Deno.test("Toeplitz with mTCP's key is symmetric: both directions of a flow hash alike", () => {
  const a = parseIpv4Address("10.0.0.1")!;
  const b = parseIpv4Address("10.0.0.2")!;
  for (const [sp, dp] of [[40000, 80], [1025, 65535], [12345, 443]]) {
    assert.equal(
      rssHashTcp4(a, b, sp!, dp!, MTCP_RSS_KEY),
      rssHashTcp4(b, a, dp!, sp!, MTCP_RSS_KEY),
    );
  }
});
