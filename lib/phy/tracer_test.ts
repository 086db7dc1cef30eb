import assert from "node:assert/strict";
import { fixtureFrames } from "../../tests/_support/fixtures.ts";
import { RecordingDevice } from "../../tests/_support/recording_device.ts";
import { Interface } from "../iface/interface.ts";
import { getMac, parseIpv4Address } from "../wire/address.ts";
import { describeFrame, Tracer } from "./tracer.ts";

Deno.test("describeFrame() summarises kernel frames as tcpdump would", () => {
  const lines = [
    ...fixtureFrames("arp_icmp"),
    ...fixtureFrames("tcp_http").slice(0, 1),
    ...fixtureFrames("fragments"),
  ]
    .map((r) => describeFrame(r.data, 0, r.data.length));
  assert.equal(lines[0], "ARP, Request who-has 10.200.0.2 tell 10.200.0.1");
  assert.match(lines[1]!, /^ARP, Reply 10\.200\.0\.2 is-at [0-9a-f:]{17}$/);
  assert.match(
    lines[2]!,
    /^IP 10\.200\.0\.1 > 10\.200\.0\.2: ICMP echo request, id \d+, seq 1, length 64$/,
  );
  assert.match(
    lines[6]!,
    /^IP 10\.200\.0\.1\.\d+ > 10\.200\.0\.2\.8000: Flags \[S\], seq \d+, ack 0, win 64240, length 0$/,
  );
  assert.match(lines[8]!, /fragment id \d+ offset 1480 length 1480/);
  assert.equal(describeFrame(new Uint8Array(5), 0, 5), "malformed Ethernet frame, 5 bytes");
});

Deno.test("Tracer reports both directions and passes frames through unchanged", () => {
  const frames = fixtureFrames("arp_icmp").map((r) => r.data);
  const dev = new RecordingDevice();
  const seen: string[] = [];
  const tracer = new Tracer(
    dev,
    (dir, _now, bytes, off, len) => seen.push(`${dir} ${describeFrame(bytes, off, len)}`),
  );
  const iface = new Interface(tracer, {
    mac: getMac(frames[1]!, 6),
    address: parseIpv4Address("10.200.0.2")!,
    prefixLength: 24,
  });
  dev.inject(frames[0]!);
  iface.poll(0);
  assert.deepEqual(seen.map((s) => s.slice(0, 9)), ["rx ARP, R", "tx ARP, R"]);
  assert.equal(dev.sent.length, 1);
});
