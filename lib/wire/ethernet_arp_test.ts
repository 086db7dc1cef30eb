import assert from "node:assert/strict";
import { fixtureFrames } from "../../tests/_support/fixtures.ts";
import { formatIpv4, MAC_BROADCAST } from "./address.ts";
import { ARP_REPLY, ARP_REQUEST, ArpPacket, emitArp, parseArp } from "./arp.ts";
import {
  emitEthernet,
  EthernetFrame,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  parseEthernet,
} from "./ethernet.ts";

Deno.test("parseEthernet() and parseArp() read the kernel's ARP request and reply", () => {
  const [request, reply] = fixtureFrames("arp_icmp").map((r) => r.data);
  const frame = new EthernetFrame().wrap(request!);
  const eth = parseEthernet(frame)!;
  assert.equal(eth.dst, MAC_BROADCAST);
  assert.equal(eth.ethertype, ETHERTYPE_ARP);
  assert.equal(eth.vlanId, -1);
  const arp = parseArp(new ArpPacket().wrap(request!, frame.payloadOffset, frame.payloadLength))!;
  assert.equal(arp.operation, ARP_REQUEST);
  assert.equal(formatIpv4(arp.senderIp), "10.200.0.1");
  assert.equal(formatIpv4(arp.targetIp), "10.200.0.2");
  assert.equal(arp.senderMac, eth.src);

  frame.wrap(reply!);
  const arpReply = parseArp(
    new ArpPacket().wrap(reply!, frame.payloadOffset, frame.payloadLength),
  )!;
  assert.equal(arpReply.operation, ARP_REPLY);
  assert.equal(arpReply.targetMac, arp.senderMac);
  assert.equal(arpReply.senderMac, frame.src);
});

Deno.test("emitEthernet() and emitArp() re-emit the kernel's ARP frames byte for byte", () => {
  for (const { data } of fixtureFrames("arp_icmp").slice(0, 2)) {
    const frame = new EthernetFrame().wrap(data);
    const eth = parseEthernet(frame)!;
    const arp = parseArp(new ArpPacket().wrap(data, frame.payloadOffset, frame.payloadLength))!;
    const out = new Uint8Array(data.length);
    const hl = emitEthernet(eth, out, 0);
    emitArp(arp, out, hl);
    assert.deepEqual(out, data);
  }
});

Deno.test("an 802.1Q tag is recognised, skipped and re-emitted", () => {
  const untagged = fixtureFrames("arp_icmp")[2]!.data;
  // The kernel here has no 8021q module: insert tag 0x8100, VLAN 10, PCP 0.
  const tagged = new Uint8Array(untagged.length + 4);
  tagged.set(untagged.subarray(0, 12));
  tagged.set([0x81, 0x00, 0x00, 0x0a], 12);
  tagged.set(untagged.subarray(12), 16);
  const frame = new EthernetFrame().wrap(tagged);
  const eth = parseEthernet(frame)!;
  assert.equal(eth.vlanId, 10);
  assert.equal(eth.ethertype, ETHERTYPE_IPV4);
  assert.equal(frame.payloadOffset, 18);
  assert.deepEqual(tagged.subarray(frame.payloadOffset), untagged.subarray(14));
  const out = new Uint8Array(tagged.length);
  emitEthernet(eth, out, 0);
  out.set(tagged.subarray(18), 18);
  assert.deepEqual(out, tagged);
});

Deno.test("parseEthernet() rejects truncated frames and stacked VLAN tags", () => {
  const data = fixtureFrames("arp_icmp")[0]!.data;
  assert.equal(new EthernetFrame().wrap(data, 0, 13).check(), "truncated");
  const qinq = data.slice();
  qinq.set([0x88, 0xa8], 12);
  assert.equal(new EthernetFrame().wrap(qinq).check(), "stackedVlan");
  const doubleQ = data.slice();
  doubleQ.set([0x81, 0x00, 0x00, 0x01, 0x81, 0x00], 12);
  assert.equal(new EthernetFrame().wrap(doubleQ).check(), "stackedVlan");
  const shortTag = data.slice(0, 16);
  shortTag.set([0x81, 0x00], 12);
  assert.equal(parseEthernet(new EthernetFrame().wrap(shortTag)), undefined);
});

Deno.test("parseArp() rejects truncated packets, other hardware and bad operations", () => {
  const data = fixtureFrames("arp_icmp")[0]!.data;
  const view = new ArpPacket();
  assert.equal(view.wrap(data, 14, 27).check(), "truncated");
  const hw = data.slice();
  hw[15] = 6; // hardware type 6 (IEEE 802)
  assert.equal(view.wrap(hw, 14).check(), "unsupported");
  const op = data.slice();
  op[21] = 9;
  assert.equal(view.wrap(op, 14).check(), "badOperation");
  assert.equal(parseArp(view), undefined);
});
