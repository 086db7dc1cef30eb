#!/usr/bin/env bash
# Captures real frames from the Linux kernel into tests/fixtures/*.pcap.
#
# Everything happens between two network namespaces this script creates
# (mtcpfx-a, mtcpfx-b) joined by a veth pair, and deletes on exit. Needs root,
# iproute2, tcpdump, ping, curl and python3. The fixtures are committed; run
# this only to refresh them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fixtures
mkdir -p "$out"
A=mtcpfx-a
B=mtcpfx-b

cleanup() {
  ip netns pids "$A" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids "$B" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add "$A"
ip netns add "$B"
ip link add fxa netns "$A" type veth peer name fxb netns "$B"
ip -n "$A" addr add 10.200.0.1/24 dev fxa
ip -n "$B" addr add 10.200.0.2/24 dev fxb
ip -n "$A" link set lo up
ip -n "$B" link set lo up
ip -n "$A" link set fxa up
ip -n "$B" link set fxb up
# Real checksums in the capture, not partial ones left for offload.
ip netns exec "$A" ethtool -K fxa tx off rx off >/dev/null 2>&1 || true
ip netns exec "$B" ethtool -K fxb tx off rx off >/dev/null 2>&1 || true

capture() { # name "filter" command...
  local name=$1 filter=$2
  shift 2
  ip netns exec "$A" tcpdump --immediate-mode -Z root -U -n -i fxa -s 0 -w "$out/$name.pcap" $filter 2>"$out/.tcpdump.log" &
  local dump=$!
  sleep 1.5
  "$@"
  sleep 0.3
  kill -INT "$dump"
  wait "$dump" 2>/dev/null || true
}

# ARP resolution and two echo exchanges.
capture arp_icmp "arp or icmp" ip netns exec "$A" ping -c 2 -i 0.2 10.200.0.2 >/dev/null
# IP options: record route makes the kernel send a 60-byte header.
capture ip_options "icmp" ip netns exec "$A" ping -R -c 1 10.200.0.2 >/dev/null
# A 3000-byte echo is fragmented into three datagrams each way.
capture fragments "ip" ip netns exec "$A" ping -s 3000 -c 1 10.200.0.2 >/dev/null

# A whole TCP connection: curl against python's http.server.
mkdir -p /tmp/mtcpfx-www
head -c 3000 /dev/urandom | base64 >/tmp/mtcpfx-www/file.txt
ip netns exec "$B" python3 -m http.server 8000 --bind 10.200.0.2 --directory /tmp/mtcpfx-www >/dev/null 2>&1 &
sleep 1
capture tcp_http "tcp port 8000" ip netns exec "$A" curl -s -o /dev/null http://10.200.0.2:8000/file.txt

# SACK blocks from the kernel: scapy in A speaks TCP from 10.200.0.9, an
# address A's kernel does not own (B reaches it by a static neighbour entry),
# and sends the second segment before the first; B's kernel answers the hole
# with a duplicate ACK carrying a SACK block.
mac_a=$(ip -n "$A" -o link show fxa | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip -n "$B" -o link show fxb | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p' >/tmp/mtcpfx-macb
ip -n "$B" neigh add 10.200.0.9 lladdr "$mac_a" dev fxb
ip netns exec "$B" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.200.0.2", 9000)); s.listen(1)
c, _ = s.accept(); time.sleep(3)
' &
sleep 0.5
capture tcp_sack "tcp port 9000" ip netns exec "$A" /usr/bin/python3 -c '
from scapy.all import IP, TCP, Ether, sendp, srp1, conf
import logging; conf.verb = 0
dst, src, sport, isn = "10.200.0.2", "10.200.0.9", 40000, 1000
eth = Ether(dst=open("/tmp/mtcpfx-macb").read().strip())
opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]
synack = srp1(eth/IP(src=src, dst=dst)/TCP(sport=sport, dport=9000, flags="S", seq=isn, options=opts), iface="fxa", timeout=2)
ack = synack[TCP].seq + 1
ts = [("NOP", None), ("NOP", None), ("Timestamp", (2, synack[TCP].options[2][1][0]))]
sendp(eth/IP(src=src, dst=dst)/TCP(sport=sport, dport=9000, flags="A", seq=isn+1, ack=ack, options=ts), iface="fxa")
sendp(eth/IP(src=src, dst=dst)/TCP(sport=sport, dport=9000, flags="PA", seq=isn+1+100, ack=ack, options=ts)/(b"y"*100), iface="fxa")
import time; time.sleep(0.3)
sendp(eth/IP(src=src, dst=dst)/TCP(sport=sport, dport=9000, flags="R", seq=isn+1, ack=ack), iface="fxa")
'

# No 802.1Q fixture is captured: these machines' kernels have no 8021q module.
# The tests insert a tag into a captured frame instead.

rm -rf /tmp/mtcpfx-www /tmp/mtcpfx-macb "$out/.tcpdump.log"
ls -l "$out"/*.pcap
