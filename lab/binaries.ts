/**
 * Locate the real programs the integration tests run, or fail with the exact Debian install line.
 * Tests never skip: a missing binary is an error that says how to fix the machine.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Binary name → Debian package that provides it (bookworm). */
export const DEBIAN_PACKAGE_OF = {
  snmpd: "snmpd",
  snmpget: "snmp",
  snmpwalk: "snmp",
  snmpbulkwalk: "snmp",
  snmpset: "snmp",
  snmpsimd: "snmpsim",
  "snmpsim-record-commands": "snmpsim",
  prometheus: "prometheus",
  promtool: "prometheus",
  "prometheus-snmp-exporter": "prometheus-snmp-exporter",
  "prometheus-snmp-generator": "prometheus-snmp-exporter",
  "prometheus-alertmanager": "prometheus-alertmanager",
  amtool: "prometheus-alertmanager",
  iperf3: "iperf3",
  ip: "iproute2",
  tc: "iproute2",
  ss: "iproute2",
  chromium: "chromium",
  pdftotext: "poppler-utils",
  pdfinfo: "poppler-utils",
  pdffonts: "poppler-utils",
  pdftoppm: "poppler-utils",
  soffice: "libreoffice-calc-nogui",
  dockerd: "docker.io",
  docker: "docker.io",
  debootstrap: "debootstrap",
  "victoria-metrics": "victoria-metrics",
  rrdtool: "rrdtool",
  prlimit: "util-linux",
  mrtg: "mrtg",
} as const;

export type KnownBinary = keyof typeof DEBIAN_PACKAGE_OF;

/** The message a test fails with when `binary` is not installed (pure; tested without uninstalling). */
export function missingBinaryMessage(binary: KnownBinary): string {
  return `missing ${binary}: apt-get install -y ${DEBIAN_PACKAGE_OF[binary]}`;
}

/** Search PATH plus the sbin dirs (snmpd, ip and tc live in /usr/sbin, often not on a user's PATH). */
export function findBinary(binary: string, pathEnv = process.env.PATH ?? ""): string | undefined {
  const dirs = [...pathEnv.split(delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Absolute path of `binary`, or throw `missing snmpd: apt-get install -y snmpd`. */
export function requireBinary(binary: KnownBinary): string {
  const found = findBinary(binary);
  if (!found) throw new Error(missingBinaryMessage(binary));
  return found;
}
