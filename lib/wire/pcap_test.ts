import assert from "node:assert/strict";
import { fixtureFrames } from "../../tests/_support/fixtures.ts";
import {
  LINKTYPE_ETHERNET,
  parsePcap,
  PCAP_FILE_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
  writePcapFileHeader,
  writePcapRecordHeader,
} from "./pcap.ts";

Deno.test("parsePcap() reads tcpdump's files", () => {
  const records = fixtureFrames("tcp_http");
  assert.ok(records.length > 10);
  for (let i = 1; i < records.length; i++) assert.ok(records[i]!.timeMs >= records[i - 1]!.timeMs);
  assert.equal(records[0]!.data.length, records[0]!.originalLength);
});

Deno.test("writePcapFileHeader() and writePcapRecordHeader() round-trip through parsePcap()", () => {
  const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(60).fill(7)];
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN + frames.length * PCAP_RECORD_HEADER_LEN + 63);
  const view = new DataView(out.buffer);
  let o = writePcapFileHeader(out);
  const times = [1_700_000_000_123.456, 1_700_000_001_000.001];
  frames.forEach((f, i) => {
    o += writePcapRecordHeader(view, o, times[i]!, f.length, f.length + (i === 1 ? 4 : 0));
    out.set(f, o);
    o += f.length;
  });
  const file = parsePcap(out)!;
  assert.equal(file.linktype, LINKTYPE_ETHERNET);
  assert.equal(file.records.length, 2);
  assert.deepEqual(file.records[0]!.data, frames[0]);
  assert.equal(file.records[1]!.originalLength, 64);
  assert.ok(Math.abs(file.records[0]!.timeMs - times[0]!) < 0.001);
});

Deno.test("parsePcap() rejects an unknown magic and a truncated record", () => {
  const bytes = Deno.readFileSync(new URL("../../tests/fixtures/arp_icmp.pcap", import.meta.url));
  assert.equal(parsePcap(bytes.slice(0, 10)), undefined);
  const badMagic = bytes.slice();
  badMagic[0] = 0;
  assert.equal(parsePcap(badMagic), undefined);
  assert.equal(parsePcap(bytes.slice(0, bytes.length - 1)), undefined);
  assert.equal(parsePcap(bytes.slice(0, PCAP_FILE_HEADER_LEN))!.records.length, 0);
});
