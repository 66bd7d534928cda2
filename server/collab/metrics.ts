import type { FanoutStats } from "../redis/fanout.js";

/** First-sync times kept for the quantiles (a ring: recording allocates nothing). */
const FIRST_SYNC_WINDOW = 1000;

/** Counters and gauges of the collaboration server, rendered in Prometheus text format. */
export class CollabMetrics {
  connections = 0;
  connectionsTotal = 0;
  rejectedUpgrades = new Map<number, number>();
  documentsLoaded = 0;
  updatesApplied = 0;
  /** Updates received from other instances and applied here (not logged again). */
  remoteUpdatesApplied = 0;
  /** The Redis fan-out between instances; null when this process is the only instance. */
  redis: () => FanoutStats | null = () => null;
  writesRefused = 0;
  messagesRejected = new Map<string, number>();
  persistLatencies: () => number[] = () => [];
  /** Connections closed because they read too slowly (unsent data over the limit). */
  slowReceiversClosed = 0;
  /** Documents opened from a stored snapshot without building their Y.Doc (decision 0017). */
  lazyOpens = 0;
  /** Of those, documents built later because something needed the Y.Doc. */
  lazyBuilds = 0;
  private readonly firstSyncMs = new Float64Array(FIRST_SYNC_WINDOW);
  private firstSyncCount = 0;
  private firstSyncSumMs = 0;

  /** Upgrade request arrived → the full document state (sync step 2) was handed to the socket. */
  recordFirstSync(ms: number) {
    this.firstSyncMs[this.firstSyncCount % FIRST_SYNC_WINDOW] = ms;
    this.firstSyncCount++;
    this.firstSyncSumMs += ms;
  }

  rejectUpgrade(status: number) {
    this.rejectedUpgrades.set(status, (this.rejectedUpgrades.get(status) ?? 0) + 1);
  }

  rejectMessage(reason: string) {
    this.messagesRejected.set(reason, (this.messagesRejected.get(reason) ?? 0) + 1);
  }

  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: "counter" | "gauge" | "summary", help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric("pilotlab_collab_connections", "gauge", "Open collaboration WebSocket connections.", [["", this.connections]]);
    metric("pilotlab_collab_connections_total", "counter", "Collaboration connections accepted.", [["", this.connectionsTotal]]);
    metric(
      "pilotlab_collab_upgrades_rejected_total",
      "counter",
      "WebSocket upgrades refused, by HTTP status.",
      [...this.rejectedUpgrades].map(([status, n]) => [`{status="${status}"}`, n]),
    );
    metric("pilotlab_collab_documents_loaded", "gauge", "Documents held in memory.", [["", this.documentsLoaded]]);
    metric("pilotlab_collab_updates_applied_total", "counter", "Document updates applied and persisted.", [["", this.updatesApplied]]);
    metric("pilotlab_collab_writes_refused_total", "counter", "Write messages dropped from read-only connections.", [["", this.writesRefused]]);
    metric(
      "pilotlab_collab_messages_rejected_total",
      "counter",
      "Messages that closed their connection, by reason.",
      [...this.messagesRejected].map(([reason, n]) => [`{reason="${reason}"}`, n]),
    );
    metric("pilotlab_collab_slow_receivers_closed_total", "counter", "Connections closed because their unsent data exceeded the limit.", [
      ["", this.slowReceiversClosed],
    ]);
    metric("pilotlab_collab_documents_opened_unbuilt_total", "counter", "Large stored documents served from their snapshot bytes before being built.", [
      ["", this.lazyOpens],
    ]);
    metric("pilotlab_collab_documents_built_on_demand_total", "counter", "Of those, documents later built because something needed them (a write, a partial sync, a compaction).", [
      ["", this.lazyBuilds],
    ]);
    const redis = this.redis();
    if (redis) {
      metric("pilotlab_redis_up", "gauge", "1 while the Redis link to the other instances works; 0 while only this instance's clients are served.", [
        ["", redis.status === "up" ? 1 : 0],
      ]);
      metric("pilotlab_redis_messages_published_total", "counter", "Messages sent to the other instances.", [["", redis.published]]);
      metric("pilotlab_redis_messages_received_total", "counter", "Messages received from the other instances.", [["", redis.received]]);
      metric("pilotlab_redis_messages_dropped_total", "counter", "Messages not sent because Redis was away (the update log catches them up).", [
        ["", redis.dropped],
      ]);
      metric("pilotlab_collab_remote_updates_applied_total", "counter", "Document updates received from other instances and applied.", [
        ["", this.remoteUpdatesApplied],
      ]);
    }
    const syncs = Array.from(this.firstSyncMs.subarray(0, Math.min(this.firstSyncCount, FIRST_SYNC_WINDOW))).sort((a, b) => a - b);
    const sq = (p: number) => (syncs.length ? syncs[Math.min(syncs.length - 1, Math.floor(p * syncs.length))] / 1000 : 0);
    metric(
      "pilotlab_collab_first_sync_seconds",
      "summary",
      "Upgrade request to the full document state sent, per connection (quantiles over the last 1000).",
      [
        ['{quantile="0.5"}', sq(0.5)],
        ['{quantile="0.99"}', sq(0.99)],
        ["_sum", this.firstSyncSumMs / 1000],
        ["_count", this.firstSyncCount],
      ],
    );
    const latencies = [...this.persistLatencies()].sort((a, b) => a - b);
    const q = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] / 1000 : 0);
    metric("pilotlab_collab_persist_seconds", "summary", "Update-log group commit latency (last 1000 commits).", [
      ['{quantile="0.5"}', q(0.5)],
      ['{quantile="0.99"}', q(0.99)],
      ["_count", latencies.length],
    ]);
    return lines.join("\n") + "\n";
  }
}
