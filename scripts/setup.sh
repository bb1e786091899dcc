#!/usr/bin/env bash
# Set up a fresh Debian 12 machine (as root, Node 20 present) for kapasitas: the real agents,
# Prometheus and tools that the demo and the tests start, then the npm dependencies and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  snmpd snmp snmpsim prometheus prometheus-snmp-exporter prometheus-alertmanager \
  iperf3 iproute2 chromium poppler-utils libreoffice-calc-nogui caddy docker.io busybox-static git \
  ca-certificates curl util-linux victoria-metrics rrdtool mrtg
npm ci
npm run build
