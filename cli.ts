/**
 * The command line. `deno run cli.ts demo` pings one in-memory host from
 * another and prints the round trips, with no privileges and no set-up.
 *
 * Errors: a usage mistake prints one line and the usage, exit 2; any other
 * failure prints one line, exit 1. Never a stack trace.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { attachHost } from "./lib/api/host.ts";
import { ping } from "./lib/apps/ping.ts";
import { formatIpv4, formatMac, parseIpv4Address } from "./lib/wire/address.ts";
import { MemoryNetwork } from "./lib/phy/memory.ts";
import { PcapFileSink } from "./lib/phy/pcap_writer.ts";
import { describeFrame } from "./lib/phy/tracer.ts";

const USAGE = `Usage: deno run cli.ts <command> [options]

Commands:
  demo     Two hosts on an in-memory Ethernet: ARP, then ping from one to the other
  help     Show this help

demo options:
  --count N        echo requests (default 4)
  --interval MS    between requests (default 200)
  --size N         data bytes per request (default 56; above 1472 it is fragmented)
  --latency MS     one-way latency of the segment (default 0)
  --loss P         drop probability 0..1 on each host, both directions (default 0)
  --seed N         seed of the fault injector (default 1)
  --clock KIND     system (real time, default) or virtual (simulated, instant)
  --pcap FILE      capture host a's frames to FILE (libpcap format)
  --trace          print every frame host a sends and receives`;

class UsageError extends Error {}

function number(
  value: string | undefined,
  name: string,
  fallback: number,
  min = 0,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`Invalid --${name}: ${value} (expected a number from ${min} to ${max})`);
  }
  return n;
}

async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      count: { type: "string" },
      interval: { type: "string" },
      size: { type: "string" },
      latency: { type: "string" },
      loss: { type: "string" },
      seed: { type: "string" },
      clock: { type: "string" },
      pcap: { type: "string" },
      trace: { type: "boolean" },
    },
  });
  const count = number(values.count, "count", 4, 1, 1_000_000);
  const intervalMs = number(values.interval, "interval", 200, 0);
  const size = number(values.size, "size", 56, 0, 65507);
  const latencyMs = number(values.latency, "latency", 0, 0);
  const loss = number(values.loss, "loss", 0, 0, 1);
  const seed = number(values.seed, "seed", 1, 0, 2 ** 32 - 1);
  const clock = values.clock ?? "system";
  if (clock !== "system" && clock !== "virtual") {
    throw new UsageError(`Invalid --clock: ${clock} (system or virtual)`);
  }

  const net = new MemoryNetwork({ clock, latencyMs });
  const impair = loss > 0 ? { rx: { loss }, tx: { loss } } : undefined;
  const a = attachHost(net, {
    name: "a",
    address: "10.0.0.1/24",
    ...(impair ? { impair: { ...impair, seed } } : {}),
    ...(values.pcap !== undefined ? { pcap: new PcapFileSink(values.pcap) } : {}),
    ...(values.trace
      ? {
        trace: (dir, _now, bytes, off, len) =>
          console.log(`  ${dir} ${describeFrame(bytes, off, len)}`),
      }
      : {}),
  });
  const b = attachHost(net, {
    name: "b",
    address: "10.0.0.2/24",
    ...(impair ? { impair: { ...impair, seed: seed + 1 } } : {}),
  });
  const dst = parseIpv4Address("10.0.0.2")!;
  console.log(
    `demo: hosts a (${a.address}) and b (${b.address}) on an in-memory Ethernet, ${clock} clock, no privileges needed`,
  );
  console.log(`PING ${formatIpv4(dst)} from ${a.address}: ${size} data bytes`);
  const result = await ping(net, a, dst, { count, intervalMs, size }, (r) => {
    console.log(
      `${r.bytes} bytes from ${formatIpv4(dst)}: icmp_seq=${r.seq} time=${r.rttMs.toFixed(3)} ms${
        r.duplicate ? " (DUP!)" : ""
      }`,
    );
  });
  const entry = a.iface.arp.get(dst);
  console.log(`--- ${formatIpv4(dst)} ping statistics ---`);
  const lossPct = Math.round((100 * (result.transmitted - result.received)) / result.transmitted);
  console.log(
    `${result.transmitted} packets transmitted, ${result.received} received, ${lossPct}% packet loss`,
  );
  if (result.received > 0) {
    const f = (x: number) => x.toFixed(3);
    console.log(
      `rtt min/avg/max/mdev = ${f(result.min)}/${f(result.avg)}/${f(result.max)}/${
        f(result.mdev)
      } ms`,
    );
  }
  if (entry !== undefined && entry.mac >= 0) {
    console.log(`arp: ${formatIpv4(dst)} is-at ${formatMac(entry.mac)} (${entry.state})`);
  }
  const drops = a.iface.stats.nonZeroDrops();
  console.log(
    `host a: ${a.iface.stats.rx.frames} frames in, ${a.iface.stats.tx.frames} out, drops ${
      JSON.stringify(drops)
    }`,
  );
  a.close();
  b.close();
  if (values.pcap !== undefined) console.log(`capture written to ${values.pcap}`);
  if (result.received === 0) throw new Error("No echo replies: the demo failed");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "demo":
        await demo(rest);
        return 0;
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return 0;
      case undefined:
        throw new UsageError("No command given");
      default:
        throw new UsageError(`Unknown command: ${command}`);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // node:util parseArgs reports unknown or malformed flags with these codes.
    const code = (err as { code?: string }).code;
    if (err instanceof UsageError || (code !== undefined && code.startsWith("ERR_PARSE_ARGS"))) {
      console.error(`error: ${message}`);
      console.error(USAGE);
      return 2;
    }
    console.error(`error: ${message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
