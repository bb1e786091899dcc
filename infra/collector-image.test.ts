// The contract between infra/ and collector/Dockerfile: the program passes only arguments (the
// image's entrypoint is `… cli.js collect`), delivers files for the image's user (node = uid 1000 in
// the node images), and probes the same /healthz the image declares.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COLLECTOR_HEALTH, COLLECTOR_INVENTORY, collectorCommand } from "./components/collector.js";
import { IMAGE_USERS } from "./versions.js";

const dockerfile = readFileSync("collector/Dockerfile", "utf8");
const instruction = (name: string) =>
  dockerfile
    .split("\n")
    .filter((line) => line.startsWith(`${name} `))
    .at(-1)
    ?.slice(name.length + 1)
    .trim();

describe("collector/Dockerfile as the program uses it", () => {
  it("runs `collect` as its entrypoint, so the program passes only the arguments", () => {
    const entrypoint = JSON.parse(instruction("ENTRYPOINT") ?? "[]") as string[];
    expect(entrypoint.at(-1)).toBe("collect");
    expect(collectorCommand(0, 1)[0]).toBe("--inventory");
    expect(collectorCommand(1, 3)).toEqual([
      "--inventory",
      COLLECTOR_INVENTORY,
      "--listen",
      "0.0.0.0:9105",
      "--shard",
      "1/3",
    ]);
  });

  it("reads the inventory where the program delivers it", () => {
    const cmd = JSON.parse(instruction("CMD") ?? "[]") as string[];
    expect(cmd[cmd.indexOf("--inventory") + 1]).toBe(COLLECTOR_INVENTORY);
  });

  it("runs as the node user of a node image (uid 1000), who owns the delivered secrets", () => {
    expect(instruction("USER")).toBe("node");
    expect(instruction("FROM")).toMatch(/^node:20/);
    expect(IMAGE_USERS.collector).toBe("1000");
  });

  it("loads OpenSSL's legacy provider, so a device opted in to DES is polled, not refused", () => {
    // test/collector-snmpv3-weak.test.ts polls a real snmpd MD5/DES user with the same flag.
    // On node's command line: NODE_OPTIONS belongs to the Pulumi program (the heap flags), which
    // would replace an image's NODE_OPTIONS.
    expect(instruction("ENTRYPOINT")).toBe(
      '["node", "--openssl-legacy-provider", "dist/cli/kapasitas.js", "collect"]',
    );
    expect(dockerfile).not.toMatch(/^ENV NODE_OPTIONS/m);
  });

  it("is probed on the /healthz its own HEALTHCHECK uses", () => {
    expect(dockerfile).toContain("http://127.0.0.1:9105/healthz");
    expect(COLLECTOR_HEALTH.join(" ")).toContain("http://127.0.0.1:9105/healthz");
  });
});

describe("what the image installs", () => {
  interface Lock {
    packages: Record<string, { dev?: boolean; optional?: boolean }>;
  }
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as Lock;
  /** What `npm ci --omit=dev` (the Dockerfile's prune) leaves in node_modules. */
  const production = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith("node_modules/") && entry.dev !== true)
    .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));

  it("holds no Pulumi, Grafana SDK, gRPC or TypeScript: they are the deploy side's", () => {
    expect(production).toContain("net-snmp");
    expect(production).toContain("exceljs");
    expect(
      production.filter((name) => /^@pulumi\/|^@grpc\/|^@grafana\/|^protobufjs$|^typescript$/.test(name)),
    ).toEqual([]);
  });

  it("prunes devDependencies after compiling", () => {
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });
});
