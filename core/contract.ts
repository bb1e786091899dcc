// The metric contract (docs/metrics.md): names shared by the collector that exports them, the
// mixin that records and alerts on them, and the report that reads them back from Prometheus.

export const METRICS = {
  opdLinkBytes: "opd_link_bytes_total",
  opdAllocatedBps: "opd_allocated_bps",
  opdInfo: "opd_info",
  uplinkBytes: "uplink_bytes_total",
  uplinkContractedBps: "uplink_contracted_bps",
  hotspotActiveUsers: "opd_hotspot_active_users",
  interfaceOperUp: "snmp_interface_oper_up",
  interfaceSpeedBps: "snmp_interface_speed_bps",
  interfaceErrors: "snmp_interface_errors_total",
  interfaceDiscards: "snmp_interface_discards_total",
  deviceUp: "snmp_device_up",
  devicePollDuration: "snmp_device_poll_duration_seconds",
  devicePollFailures: "snmp_device_poll_failures_total",
  deviceRestarts: "snmp_device_restarts_total",
  counterWraps: "snmp_counter_wraps_total",
  // The collector's own series beyond the design's contract (docs/metrics.md).
  /** 1 when a link's selector matches no interface/queue, or several. */
  linkUnresolved: "kapasitas_link_unresolved",
  /**
   * 1 while an OPD's MikroTik simple queue is there and counting, 0 when it vanished from the queue
   * table or its byte counters stood still for 10 minutes of answered polls: {opd, link, device,
   * interface="queue/<name>"} (docs/metrics.md, Queue state).
   */
  queueUp: "kapasitas_queue_up",
  /** Counter samples not counted: {device, reason: implausible|reset|moved}. */
  counterDiscontinuities: "kapasitas_counter_discontinuities_total",
  /** SIGHUP reloads of the inventory: {result: success|failure} (on /metrics). */
  inventoryReloads: "kapasitas_inventory_reloads_total",
  // The SNMP scheduler (on /metrics): lanes are `poll` (live devices) and `probe` (devices that failed).
  /** Requests holding a slot: {lane}. */
  snmpRequestsInFlight: "kapasitas_snmp_requests_in_flight",
  /** Requests waiting for a slot: {lane}. */
  snmpRequestsQueued: "kapasitas_snmp_requests_queued",
  /** A lane's slots now, sized from the measured load: {lane}. */
  snmpConcurrencyLimit: "kapasitas_snmp_concurrency_limit",
  /** Seconds waited for a slot: histogram {lane}. */
  snmpQueueWait: "kapasitas_snmp_queue_wait_seconds",
  /** Age of the oldest request: {lane, state: in_flight|queued}. */
  snmpOldestRequestAge: "kapasitas_snmp_oldest_request_age_seconds",
  /** The longest one request may take (timeout × tries of the slowest device). */
  snmpRequestDeadline: "kapasitas_snmp_request_deadline_seconds",
  /** Requests the SNMP library never answered, failed by the collector's watchdog. */
  snmpRequestsLost: "kapasitas_snmp_requests_lost_total",
  /** Table walks that resolve selectors (start, restart, renumbering, rediscovery, changed device). */
  snmpDiscoveries: "kapasitas_snmp_discoveries_total",
} as const;

/**
 * Recording rules (level:metric:operations). The dashboards and the capacity report read these,
 * so the NOC and the planner see the same figures.
 */
export const RECORDED = {
  /** sum by (opd, direction) of rate(opd_link_bytes_total[5m]) * 8 */
  opdBits: "opd_direction:opd_link_bits:rate5m",
  /** opdBits / opd_allocated_bps */
  opdUtilisation: "opd_direction:opd_link_utilisation:ratio_rate5m",
  /** sum by (uplink, provider, direction) of rate(uplink_bytes_total[5m]) * 8 */
  uplinkBits: "uplink_direction:uplink_bits:rate5m",
  /** uplinkBits / uplink_contracted_bps */
  uplinkUtilisation: "uplink_direction:uplink_utilisation:ratio_rate5m",
  /** 1 while the device answers SNMP, 0 while it does not (one series per device). */
  deviceUp: "device:snmp_device_up:max",
  /**
   * 1 while an OPD link is up, 0 while it is down: its interface operationally down, its queue
   * down (kapasitas_queue_up), or its device not answering. {opd, link, device, interface}
   */
  opdLinkUp: "opd_link:opd_link_up:min",
  /** The share of the month (avg_over_time of deviceUp over 30 days) the device answered. */
  deviceAvailability: "device:snmp_device_up:avg_over_time_30d",
  /** The share of the month (avg_over_time of opdLinkUp over 30 days) the OPD link was up. */
  opdLinkAvailability: "opd_link:opd_link_up:avg_over_time_30d",
} as const;

/** Prometheus job names the scrape config, the rules and the dashboards agree on. */
export const JOBS = { snmp: "kapasitas-snmp", collector: "kapasitas-collector" } as const;

/**
 * Labels `kapasitas import` adds to the recorded series it writes (docs/import.md): `resolution`
 * is how fine the source's averages were ("5m", "30m", "2h", "1d"), `source` where they came from.
 * Collected series have neither label, which is how the report tells them apart.
 */
export const IMPORT_LABELS = { resolution: "resolution", source: "source" } as const;
export const IMPORT_SOURCES = ["rrd", "mrtg", "csv", "prometheus"] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];
