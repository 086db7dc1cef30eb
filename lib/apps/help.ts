/**
 * The command line's words: the usage of every command, each flag with its
 * default, grouped the same way for every command (and in the README), an
 * example each, and the version.
 *
 * @module
 */

/** This project's version (deno.json's `version`, checked by a test). */
export const VERSION = "0.15.0";

/** The version line of `--version`: ours and the runtime's. */
export function versionLine(program = "mtcp-deno"): string {
  return `${program} ${VERSION} (deno ${Deno.version.deno}, v8 ${Deno.version.v8}, typescript ${Deno.version.typescript})`;
}

const STACK = `Device and addresses:
  --dev SPEC            tap:NAME, packet:IFNAME, xdp:IFNAME, netmap:IFNAME or memory
                        (default tap:mtcp0)
  --ip CIDR             our address (default 10.0.0.2/24)
  --gateway IP          default gateway (default: none)
  --mac MAC             our MAC (default: the device's, or one made from its name)
  --host-ip CIDR        tap: give the kernel's side of the TAP this address, link up
  --cores N             contexts, one worker and one TAP queue each (default 1)
  --config FILE         mtcp.conf, arp.conf or route.conf (repeatable); SIGHUP
                        adds arp.conf's static neighbours again
  --busy-poll           spin on the device instead of sleeping in poll
  --no-offload          tap: no virtio header, so no checksum offload and no TSO/GRO
                        super-frames (they are on by default; --tso, the old way to
                        turn them on, is still accepted)
  --ring-slots N        frames in each direction of the device's ring, 8 to 4096
                        (default 4096 on packet: and xdp:, 256 on tap: and netmap:);
                        frames the kernel dropped on a full ring are counted as
                        mtcp_drops_total{reason="deviceRxDropped"}
  --impair SPEC         loss=P,reorder=P,duplicate=P,corrupt=P,delay=MS,seed=N
Output:
  --stats               a statistics line per core and in total every second
  --stats-format F      text (default) or json (one object a line; implies --stats)
  --pcap FILE           capture every frame the stack sends and receives
  --metrics HOST:PORT   Prometheus text exposition at http://HOST:PORT/metrics, on
                        the kernel's network (default: none)
  -h, --help            this help`;

const HELP: Record<string, (p: string) => string> = {
  serve: (p) =>
    `Usage: ${p} serve [options]

Serves HTTP static files (--http DIR, or the built-in page), echo (RFC 862) or
discard (RFC 863) on the user-space stack, until SIGINT or SIGTERM.

What to serve:
  --port N              TCP port (default 8080)
  --http DIR            the files of DIR (default: the built-in page)
  --echo                send back what arrives
  --discard             read and drop what arrives
  --autoindex           list a directory that has no index.html (default: 404)
  --cache-control V     a Cache-Control value for files (default: none)
Logs:
  --access-log FILE|-   one line per response, appended to FILE or on stdout
                        (default: none)
  --log-format F        combined (nginx's, default) or json
Limits:
  --backlog N           listen backlog (default 4096)
  --max-connections N   most connections; full: the oldest idle one is closed,
                        else a new one gets 503 (default: the pool, 10000)
  --header-timeout S    seconds to receive a request head, then 408 (default 60)
  --keepalive-timeout S seconds a kept-alive connection may idle (default 75)
  --max-pipelined N     response parts queued per connection before it is not
                        read (default 32)
  --max-open-files N    files open at once for streaming; past it 503 (default 1024)
  --idle-timeout S      echo, discard: close after S seconds idle (default 0: never)
  --drain-timeout S     after SIGINT/SIGTERM, seconds open connections may finish (default 2)
${STACK}

Example:
  ${p} serve --dev tap:mtcp0 --host-ip 10.0.0.1/24 --http ./public --stats`,
  proxy: (p) =>
    `Usage: ${p} proxy (--upstream HOST:PORT[,HOST:PORT...] | --upstream-file FILE) [options]

A TCP proxy with load balancing, both sides on the user-space stack, until
SIGINT or SIGTERM. A client whose upstream refuses or does not answer is
sent to the next; it is reset when none answers. An upstream going down or
coming back is a line on stderr, with the time and the reason.

What to proxy:
  --listen PORT         port to listen on (default 8080)
  --upstream LIST       HOST:PORT[,HOST:PORT...], HOST an IPv4 address or a name
                        resolved at start (this or --upstream-file)
  --upstream-file FILE  HOST:PORT per line (# comments), read and resolved again
                        on SIGHUP:
                        new clients use the new list, open pairs go on
  --balance MODE        rr (round robin), hash (of the client's address) or
                        leastconn (fewest connections) (default rr)
Health:
  --max-fails N         failed connects within --fail-timeout that take an
                        upstream out (default 1)
  --fail-timeout S      how long failures count, and the time out (default 10)
  --health-check KIND   active checks: tcp (a connect) or http:/PATH (GET, 2xx
                        or 3xx passes) (default none)
  --health-interval S   seconds between checks of an upstream (default 2)
  --health-timeout S    a check not done in this long fails (default 1)
  --rise N              passed checks in a row that bring it back (default 1)
  --fall N              failed checks in a row that take it out (default 2)
Logs:
  --access-log FILE|-   one line per client connection as it ends (client,
                        [time], TCP, status 200/502/503, bytes sent and
                        received, seconds, "upstream", how it ended), appended
                        to FILE or on stdout; reopened on SIGHUP (default none)
  --log-format F        combined (nginx stream's basic, default) or json
Limits:
  --backlog N           listen backlog (default 4096)
  --max-connections N   most clients; past it a client gets a RST (default: the pool)
  --connect-timeout S   seconds for an upstream's handshake (default 3)
  --idle-timeout S      close a pair idle this long (default 600)
  --drain-timeout S     after SIGINT/SIGTERM, seconds open pairs may finish (default 2)
${STACK}

Example:
  ${p} proxy --dev tap:mtcp0 --host-ip 10.0.0.1/24 --listen 8080 \\
    --upstream 10.0.0.1:8001,10.0.0.1:8002`,
  bench: (p) =>
    `Usage: ${p} bench URL [options]

An HTTP load generator on the user-space stack (like mTCP's epwget): each
connection runs one request at a time; prints req/s, Gbit/s, latency
percentiles and errors by kind.

What to load:
  URL                   http://IPv4[:PORT]/PATH
  -n N                  requests in all (default 1000, or unlimited with --duration)
  -c N                  connections at once (default 1)
  --keepalive           keep connections open across requests
  --duration S          stop issuing after S seconds
${STACK}

Example:
  ${p} bench http://10.0.0.1/ -n 20000 -c 50 --keepalive --dev tap:mtcp0 --host-ip 10.0.0.1/24`,
  demo: (p) =>
    `Usage: ${p} demo [--mode auto|tap|memory]

The main job on an embedded default: as root, serve on a TAP whose kernel
side is in a fresh network namespace, with the kernel's curl (and ping, when
there is one) as clients; anywhere else, serve and bench on an in-memory
network. Says which mode it ran; removes what it made.

  --mode M              auto (default), tap or memory
  -h, --help            this help

Example:
  ${p} demo`,
  ping: (p) =>
    `Usage: ${p} ping [options]

Two hosts on an in-memory Ethernet, no privileges needed: ARP, then ping
from 10.0.0.1 to 10.0.0.2, printed as ping(8) prints it.

  --count N             echo requests (default 4)
  --interval MS         between requests (default 200)
  --size N              data bytes (default 56)
  --latency MS          one-way latency (default 0)
  --loss P              loss probability each way (default 0)
  --seed N              seed of the loss (default 1)
  --clock C             system (default) or virtual (a simulation)
  --pcap FILE           capture host a's frames
  --trace               print every frame
  -h, --help            this help

Example:
  ${p} ping --count 10 --loss 0.1 --clock virtual`,
};

/** The help of `command` (its usage, every flag with its default, an example), or undefined. */
export function commandHelp(command: string, program: string): string | undefined {
  return HELP[command]?.(program);
}

/** The commands that have a help of their own. */
export const COMMANDS: readonly string[] = Object.freeze(Object.keys(HELP));
