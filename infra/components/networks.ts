// Three Docker networks, so a compromised app cannot reach Prometheus and the monitoring stack has
// no route out it does not need:
//   edge        the proxy's published ports, plus egress for the collector (SNMP to the routers)
//               and Alertmanager (mail, Telegram);
//   monitoring  internal: Prometheus, Alertmanager, Grafana, collectors, and the proxy in front;
//   apps        internal unless the stack allows egress: the OPD applications and the proxy.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABEL } from "./container.js";

export interface NetworksArgs {
  prefix: string;
  appsEgress: boolean;
}

export class Networks extends pulumi.ComponentResource {
  readonly edge: docker.Network;
  readonly monitoring: docker.Network;
  readonly apps: docker.Network;

  constructor(name: string, args: NetworksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kapasitas:infra:Networks", name, {}, opts);
    const network = (key: string, internal: boolean) =>
      new docker.Network(
        `${name}-${key}`,
        {
          name: `${args.prefix}-${key}`,
          driver: "bridge",
          internal,
          labels: [{ label: LABEL.role, value: `network-${key}` }],
        },
        { parent: this },
      );
    this.edge = network("edge", false);
    this.monitoring = network("monitoring", true);
    this.apps = network("apps", !args.appsEgress);
    this.registerOutputs({
      edge: this.edge.name,
      monitoring: this.monitoring.name,
      apps: this.apps.name,
    });
  }
}
