#!/usr/bin/env bash
# Installs the Debian tools the test suite drives when they are missing:
# tshark reads our captures; the capture script uses tcpdump, ethtool and
# scapy; the interop tests put curl, ab, socat, ping and python's http.server
# against our stack; the hardening tests flood it with hping3; the benchmarks
# add nginx and wrk.
# Needs root and apt; elsewhere it names what is missing and the tests that
# need a tool report themselves as ignored.
set -euo pipefail
need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
command -v ethtool >/dev/null 2>&1 || need+=(ethtool)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
[ -e /usr/lib/python3/dist-packages/scapy ] || need+=(python3-scapy)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v ab >/dev/null 2>&1 || need+=(apache2-utils)
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v hping3 >/dev/null 2>&1 || [ -x /usr/sbin/hping3 ] || need+=(hping3)
command -v python3 >/dev/null 2>&1 || need+=(python3)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_tools: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "ensure_tools: missing ${need[*]} (install them as root with apt-get); tests needing them are ignored" >&2
fi
