import assert from "node:assert/strict";
import {
  formatIpv4,
  formatMac,
  getMac,
  isMulticastMac,
  MAC_BROADCAST,
  parseIpv4Address,
  parseIpv4Cidr,
  parseMac,
  prefixMask,
  putMac,
} from "./address.ts";

Deno.test("MAC addresses round-trip through text and bytes", () => {
  const mac = parseMac("02:00:5e:10:ff:a1")!;
  assert.equal(formatMac(mac), "02:00:5e:10:ff:a1");
  const b = new Uint8Array(8);
  putMac(b, 1, mac);
  assert.deepEqual([...b.subarray(1, 7)], [0x02, 0x00, 0x5e, 0x10, 0xff, 0xa1]);
  assert.equal(getMac(b, 1), mac);
  assert.equal(parseMac("ff-ff-ff-ff-ff-ff"), MAC_BROADCAST);
  assert.equal(parseMac("02:00:5e:10:ff"), undefined);
  assert.equal(parseMac("zz:00:5e:10:ff:a1"), undefined);
});

Deno.test("isMulticastMac() reads the I/G bit", () => {
  assert.ok(isMulticastMac(MAC_BROADCAST));
  assert.ok(isMulticastMac(parseMac("01:00:5e:00:00:01")!));
  assert.ok(!isMulticastMac(parseMac("02:00:5e:00:00:01")!));
});

Deno.test("IPv4 addresses and CIDRs parse strictly", () => {
  assert.equal(parseIpv4Address("10.0.0.2"), 0x0a000002);
  assert.equal(formatIpv4(0xc0a80101), "192.168.1.1");
  assert.equal(parseIpv4Address("256.0.0.1"), undefined);
  assert.equal(parseIpv4Address("10.0.0"), undefined);
  assert.deepEqual(parseIpv4Cidr("10.0.0.2/24"), { address: 0x0a000002, prefixLength: 24 });
  assert.equal(parseIpv4Cidr("10.0.0.2/33"), undefined);
  assert.equal(parseIpv4Cidr("10.0.0.2"), undefined);
  assert.equal(prefixMask(24), 0xffffff00);
  assert.equal(prefixMask(0), 0);
  assert.equal(prefixMask(32), 0xffffffff);
});
