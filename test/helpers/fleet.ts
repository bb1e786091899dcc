/**
 * A synthetic fleet for isolation tests and the scale/reload benchmarks: N devices on loopback
 * ports, each with M OPD links on interfaces selected by ifIndex (every agent here serves the same
 * interface table, so index selectors resolve on all of them). Pure: returns the inventory YAML.
 */
export interface FleetSpec {
  devices: number;
  linksPerDevice: number;
  /** UDP port of device i (0-based) on 127.0.0.1. */
  port: (i: number) => number;
  /** Interface index of link j (0-based) of every device. */
  ifIndex?: (j: number) => number;
  pollIntervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  /** Environment variable holding the v2c community (a reference, never the secret). */
  communityEnv?: string;
}

export function deviceId(i: number): string {
  return `dev-${String(i).padStart(4, "0")}`;
}

export function fleetInventoryYaml(spec: FleetSpec): string {
  const ifIndex = spec.ifIndex ?? ((j: number) => j + 1);
  const lines = [
    "version: 1",
    "organisation: Synthetic fleet",
    "timezone: Asia/Jakarta",
    "defaults:",
    `  poll_interval: ${spec.pollIntervalSeconds ?? 60}s`,
    `  timeout: ${spec.timeoutSeconds ?? 2}s`,
    `  retries: ${spec.retries ?? 1}`,
    "devices:",
  ];
  for (let i = 0; i < spec.devices; i++) {
    lines.push(
      `  - id: ${deviceId(i)}`,
      "    host: 127.0.0.1",
      `    port: ${spec.port(i)}`,
      "    vendor: generic",
      `    snmp: { version: v2c, community: "env:${spec.communityEnv ?? "KAPASITAS_FLEET_COMMUNITY"}" }`,
    );
  }
  lines.push("opds:");
  for (let i = 0; i < spec.devices; i++) {
    for (let j = 0; j < spec.linksPerDevice; j++) {
      lines.push(
        `  - id: opd-${i}-${j}`,
        `    name: OPD ${i}-${j}`,
        "    category: internal",
        "    allocated: { download_mbps: 10, upload_mbps: 10 }",
        "    links:",
        `      - { device: ${deviceId(i)}, interface: { index: ${ifIndex(j)} }, faces: downstream }`,
      );
    }
  }
  lines.push("pricing:", "  tiers:", "    - { mbps: 10, idr_per_mbps_month: 600000 }");
  return lines.join("\n") + "\n";
}
