/**
 * A host on the in-memory network: a memory device, the middleware asked for
 * (fault injection, capture, tracing) and an interface, driven by the
 * network's scheduler. A whole context (sockets, epoll, mTCP's API) stands
 * on the same footing: `mtcp_create_context` in `lib/api/mtcp.ts`.
 *
 * @module
 */

import { Interface, type InterfaceConfig } from "../iface/interface.ts";
import type { Device } from "../iface/device.ts";
import { formatIpv4, parseIpv4Address, parseIpv4Cidr } from "../wire/address.ts";
import { FaultInjector, type FaultInjectorOptions } from "../phy/fault.ts";
import type { Network, Pollable } from "../phy/network.ts";
import { type PcapSink, PcapWriter } from "../phy/pcap_writer.ts";
import { type TraceFn, Tracer } from "../phy/tracer.ts";

/**
 * Options for {@linkcode attachHost}.
 *
 * @example The options a context's attachment shares with a host
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HostOptions, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_init } from "../../mod.ts";
 * const options: Omit<HostOptions, "name"> = { address: "10.0.0.7/24", mac: 0x02_00_00_00_00_07 };
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), ...options })!;
 * assert.equal(ctx.iface.mac, 0x02_00_00_00_00_07);
 * mtcp_destroy();
 * ```
 */
export interface HostOptions {
  /** Host name (the port name on the network). */
  name: string;
  /** Address and prefix, as `10.0.0.1/24`. */
  address: string;
  /** Default gateway, as `10.0.0.254`. */
  gateway?: string;
  /** MAC; default: a locally administered one derived from the name, so runs repeat. */
  mac?: number;
  /** Impair this host's traffic in either direction. */
  impair?: FaultInjectorOptions;
  /** Capture what this host's stack sends and receives. */
  pcap?: PcapSink;
  /** Report every frame this host's stack sends and receives. */
  trace?: TraceFn;
  /** Interface tuning (ARP, reassembly, ICMP rate). */
  interface?: Partial<Omit<InterfaceConfig, "mac" | "address" | "prefixLength" | "gateway">>;
}

/** A locally administered unicast MAC (02:xx:xx:xx:xx:xx) from a name's FNV-1a hash. */
export function macFromName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return 0x02_00_0000_0000 + h;
}

/** A host: its outermost device, its interface, and the scheduler hook. */
export class Host implements Pollable {
  /** The name. */
  readonly name: string;
  /** The device the interface uses (middleware outermost). */
  readonly device: Device;
  /** The interface. */
  readonly iface: Interface;
  /** The fault injector, when impaired. */
  readonly faults: FaultInjector | undefined;
  readonly #network: Network;

  /** Use {@linkcode attachHost}. */
  constructor(
    network: Network,
    name: string,
    device: Device,
    iface: Interface,
    faults: FaultInjector | undefined,
  ) {
    this.#network = network;
    this.name = name;
    this.device = device;
    this.iface = iface;
    this.faults = faults;
  }
  /** Polls the interface. */
  poll(now: number): boolean {
    return this.iface.poll(now);
  }
  /** The interface's next event. */
  pollAt(now: number): number {
    return this.iface.pollAt(now);
  }
  /** The host's address as text. */
  get address(): string {
    return formatIpv4(this.iface.address);
  }
  /** Leaves the network and closes the device chain (and any capture). */
  close(): void {
    this.#network.remove(this);
    this.device.close();
  }
}

/** A device chain and interface on a memory network, not yet driven. */
export interface HostStack {
  /** The outermost device. */
  device: Device;
  /** The interface. */
  iface: Interface;
  /** The fault injector, when impaired. */
  faults: FaultInjector | undefined;
}

/**
 * Builds a host's device chain (the network's device for it, then fault
 * injection, capture and tracing as asked) and its interface. The MAC is the
 * option's, else the device's own hardware address, else one from the name. Throws `TypeError` on a malformed address.
 */
export function createHostStack(network: Network, options: HostOptions): HostStack {
  const cidr = parseIpv4Cidr(options.address);
  if (cidr === undefined) {
    throw new TypeError(`Invalid address: ${options.address} (expected a.b.c.d/n)`);
  }
  let gateway: number | undefined;
  if (options.gateway !== undefined) {
    gateway = parseIpv4Address(options.gateway);
    if (gateway === undefined) throw new TypeError(`Invalid gateway: ${options.gateway}`);
  }
  let device: Device = network.attach({ name: options.name });
  let faults: FaultInjector | undefined;
  if (options.impair !== undefined) device = faults = new FaultInjector(device, options.impair);
  if (options.pcap !== undefined) device = new PcapWriter(device, options.pcap);
  if (options.trace !== undefined) device = new Tracer(device, options.trace);
  const iface = new Interface(device, {
    ...options.interface,
    mac: options.mac ?? network.hardwareMac ?? macFromName(options.name),
    address: cidr.address,
    prefixLength: cidr.prefixLength,
    ...(gateway !== undefined ? { gateway } : {}),
  });
  return { device, iface, faults };
}

/**
 * Attaches a host to `network`, registers it with the scheduler and brings it
 * up (a gratuitous ARP). Throws `TypeError` on a malformed address.
 */
export function attachHost(network: Network, options: HostOptions): Host {
  const { device, iface, faults } = createHostStack(network, options);
  const host = new Host(network, options.name, device, iface, faults);
  network.add(host);
  iface.up(network.clock.now());
  return host;
}
