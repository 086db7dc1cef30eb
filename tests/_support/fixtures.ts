/**
 * Test helpers: the kernel-captured frames in tests/fixtures, read with this
 * project's own pcap reader.
 *
 * @module
 */

import { parsePcap, type PcapRecord } from "../../lib/wire/pcap.ts";

/** The records of `tests/fixtures/<name>.pcap`. */
export function fixtureFrames(name: string): PcapRecord[] {
  const bytes = Deno.readFileSync(new URL(`../fixtures/${name}.pcap`, import.meta.url));
  const file = parsePcap(bytes);
  if (file === undefined) throw new Error(`Cannot parse fixture ${name}.pcap`);
  return file.records;
}

/** Every fixture file's frames, copied so tests may mutate them. */
export function allFixtureFrames(): Uint8Array[] {
  const names = ["arp_icmp", "ip_options", "fragments", "tcp_http", "tcp_sack"];
  return names.flatMap((n) => fixtureFrames(n).map((r) => r.data.slice()));
}

/** A deterministic PRNG (mulberry32) for property tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
