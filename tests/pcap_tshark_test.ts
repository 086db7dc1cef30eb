import assert from "node:assert/strict";
import { attachHost } from "../lib/api/host.ts";
import { ping } from "../lib/apps/ping.ts";
import { MemoryNetwork } from "../lib/phy/memory.ts";
import { PcapFileSink } from "../lib/phy/pcap_writer.ts";
import { parseIpv4Address } from "../lib/wire/address.ts";
import { IP_PROTO_TCP } from "../lib/wire/ipv4.ts";
import { emitTcp, TCP_SYN, TcpRepr } from "../lib/wire/tcp.ts";

const hasTshark =
  new Deno.Command("sh", { args: ["-c", "command -v tshark"], stdout: "null" }).outputSync()
    .success;

async function tshark(args: string[]): Promise<string> {
  const out = await new Deno.Command("tshark", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`tshark failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

Deno.test({
  name:
    "a capture of ARP, echo (fragmented too) and a refused TCP SYN opens in tshark with valid checksums",
  ignore: !hasTshark,
  async fn() {
    const dir = await Deno.makeTempDir();
    const file = `${dir}/exchange.pcap`;
    try {
      const net = new MemoryNetwork({ latencyMs: 1 });
      const a = attachHost(net, {
        name: "a",
        address: "10.0.0.1/24",
        pcap: new PcapFileSink(file),
      });
      attachHost(net, { name: "b", address: "10.0.0.2/24" });
      const b = parseIpv4Address("10.0.0.2")!;
      assert.equal((await ping(net, a, b, { count: 3, intervalMs: 10 })).received, 3);
      assert.equal((await ping(net, a, b, { count: 1, size: 4000 })).received, 1);
      // A SYN with every option Linux sends, to a port nobody listens on.
      const syn = new TcpRepr();
      Object.assign(syn, {
        srcPort: 40000,
        dstPort: 80,
        seqNumber: 0xfffffff0,
        flags: TCP_SYN,
        window: 64240,
      });
      Object.assign(syn, {
        mss: 1460,
        sackPermitted: true,
        hasTimestamps: true,
        tsVal: 1,
        windowScale: 7,
      });
      const now = net.clock.now();
      const slot = a.iface.beginIpv4(now, b, IP_PROTO_TCP, 40, true)!;
      emitTcp(syn, slot.bytes, slot.offset, a.iface.address, b, 0);
      a.iface.commitIpv4(now);
      net.runFor(10);
      a.close();

      const prefs = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"];
      const summary = await tshark([
        "-r",
        file,
        ...prefs,
        "-T",
        "fields",
        "-e",
        "_ws.col.Protocol",
        "-e",
        "_ws.col.Info",
      ]);
      const lines = summary.trim().split("\n");
      assert.ok(lines.some((l) => l.includes("Who has 10.0.0.2")), "ARP request");
      assert.ok(lines.some((l) => l.includes("10.0.0.2 is at")), "ARP reply");
      assert.equal(lines.filter((l) => l.includes("Echo (ping) request")).length, 4);
      assert.equal(lines.filter((l) => l.includes("Echo (ping) reply")).length, 4);
      assert.ok(
        lines.some((l) => l.includes("[SYN]") && l.includes("SACK_PERM") && l.includes("WS=128")),
      );
      assert.ok(lines.some((l) => l.includes("[RST, ACK]")), "the refused SYN is reset");
      assert.ok(
        lines.some((l) => l.includes("Reassembled")) || summary.includes("Fragmented"),
        "fragments",
      );

      // No malformed packet, no bad checksum, no expert warning or error but
      // the one this test causes: tshark files a RST under "warning".
      const bad = await tshark([
        "-r",
        file,
        ...prefs,
        "-Y",
        "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || icmp.checksum.status == 0 || (_ws.expert.severity >= warning && !tcp.connection.rst)",
      ]);
      assert.equal(bad.trim(), "", `tshark flagged:\n${bad}`);
      const good = await tshark([
        "-r",
        file,
        ...prefs,
        "-Y",
        "ip.checksum.status == 1 && icmp.checksum.status == 1",
      ]);
      assert.ok(good.trim().split("\n").length >= 6, "tshark verified the checksums it could");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
