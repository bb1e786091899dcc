/**
 * A synthetic fleet for the isolation tests and the reload benchmark: N devices (one UDP port
 * each), each with M OPD links on interfaces selected by name or ifIndex (the agents in
 * lab/agent-fleet.ts serve the same interface table on every port). Pure: returns the inventory YAML.
 * Written by hand in flow style, as a person writes links (`{ device: core-1, queue: setda }`), not
 * with lab/kapasitas.ts's inventoryYaml: yaml.stringify takes 8 s and a third more bytes for the
 * reload benchmark's 50,000 OPDs.
 */
export interface FleetSpec {
  devices: number;
  /** Links of every device, or of device i. */
  linksPerDevice: number | ((i: number) => number);
  /** Address of device i (default 127.0.0.1). */
  host?: (i: number) => string;
  /** UDP port of device i (0-based). */
  port: (i: number) => number;
  /** The interface of link j (0-based) on every device: by name, or by ifIndex (default j + 1). */
  interface?: (j: number) => { name: string } | { index: number };
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
  const selector = spec.interface ?? ((j: number) => ({ index: j + 1 }));
  const host = spec.host ?? (() => "127.0.0.1");
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
      `    host: ${host(i)}`,
      `    port: ${spec.port(i)}`,
      "    vendor: generic",
      `    snmp: { version: v2c, community: "env:${spec.communityEnv ?? "KAPASITAS_FLEET_COMMUNITY"}" }`,
    );
  }
  lines.push("opds:");
  for (let i = 0; i < spec.devices; i++) {
    const links = typeof spec.linksPerDevice === "number" ? spec.linksPerDevice : spec.linksPerDevice(i);
    for (let j = 0; j < links; j++) {
      lines.push(
        `  - id: opd-${i}-${j}`,
        `    name: OPD ${i}-${j}`,
        "    category: internal",
        "    allocated: { download_mbps: 10, upload_mbps: 10 }",
        "    links:",
        `      - { device: ${deviceId(i)}, interface: ${JSON.stringify(selector(j))}, faces: downstream }`,
      );
    }
  }
  lines.push("pricing:", "  tiers:", "    - { mbps: 10, idr_per_mbps_month: 600000 }");
  return lines.join("\n") + "\n";
}
