/**
 * A load generator on the ring ABI, run inside a namespace by
 * ring_ceiling.ts: it keeps `--window` frames in flight on a shim ring and
 * counts the frames that come back, for `--seconds`. `--mode raw` sends
 * frames of a local experimental ethertype (a reflector swaps their MACs);
 * `--mode icmp` sends ICMP echo requests to `--dst-ip` (the stack answers).
 * Prints one JSON line: frames sent and received, and received per second.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ShimRing } from "../../ffi/shim.ts";
import { internetChecksum } from "../../lib/wire/checksum.ts";

const { values } = parseArgs({
  options: {
    dev: { type: "string" },
    mode: { type: "string", default: "raw" },
    "dst-mac": { type: "string", default: "ff:ff:ff:ff:ff:ff" },
    "dst-ip": { type: "string", default: "0.0.0.0" },
    "src-ip": { type: "string", default: "0.0.0.0" },
    window: { type: "string", default: "128" },
    seconds: { type: "string", default: "3" },
  },
  strict: true,
});

const ring = ShimRing.open(values.dev!, { slots: 512 });
const window = Number(values.window);
const seconds = Number(values.seconds);
const ip = (s: string) => s.split(".").map(Number);
const mac = (s: string) => s.split(":").map((h) => parseInt(h, 16));
const frame = new Uint8Array(60);
frame.set(mac(values["dst-mac"]!), 0);
let m = ring.mac;
for (let i = 5; i >= 0; i--, m = Math.floor(m / 256)) frame[6 + i] = m % 256;
if (values.mode === "icmp") {
  frame.set([0x08, 0x00], 12);
  // IPv4 header: 20 bytes, ICMP echo with 18 bytes of data = 46-byte packet.
  frame.set([0x45, 0, 0, 46, 0, 1, 0x40, 0, 64, 1, 0, 0], 14);
  frame.set(ip(values["src-ip"]!), 26);
  frame.set(ip(values["dst-ip"]!), 30);
  const c = internetChecksum(frame, 14, 20);
  frame[24] = c >> 8;
  frame[25] = c & 0xff;
  frame.set([8, 0, 0, 0, 0x12, 0x34, 0, 1], 34);
  const ic = internetChecksum(frame, 34, 26);
  frame[36] = ic >> 8;
  frame[37] = ic & 0xff;
} else {
  frame.set([0x88, 0xb5], 12);
}

let sent = 0;
let received = 0;
const send = (n: number) => {
  let done = 0;
  while (done < n) {
    const avail = Math.min(ring.txAvail, n - done);
    if (avail === 0) {
      ring.tx(0);
      if (ring.txAvail === 0) break;
      continue;
    }
    for (let i = 0; i < avail; i++) {
      const off = ring.txDesc[i * 4]!;
      ring.mem.set(frame, off);
      ring.txDesc[i * 4 + 1] = frame.length;
    }
    ring.tx(avail);
    done += avail;
  }
  sent += done;
};

send(window);
const start = performance.now();
const end = start + seconds * 1000;
let lastRx = start;
while (performance.now() < end) {
  const n = ring.rx(256);
  if (n > 0) {
    let back = 0;
    for (let i = 0; i < n; i++) {
      const off = ring.rxDesc[i * 4]!;
      const t0 = ring.mem[off + 12]!, t1 = ring.mem[off + 13]!;
      const isReply = values.mode === "icmp"
        ? t0 === 0x08 && t1 === 0 && ring.mem[off + 23] === 1 && ring.mem[off + 34] === 0
        : t0 === 0x88 && t1 === 0xb5;
      if (isReply) back++;
    }
    received += back;
    lastRx = performance.now();
    send(back);
  } else if (performance.now() - lastRx > 200) {
    // Frames were lost: top the window up again.
    send(window);
    lastRx = performance.now();
  }
}
const elapsed = (performance.now() - start) / 1000;
console.log(JSON.stringify({ sent, received, seconds: elapsed, pps: received / elapsed }));
await ring.close();
