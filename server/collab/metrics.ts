/** Counters and gauges of the collaboration server, rendered in Prometheus text format. */
export class CollabMetrics {
  connections = 0;
  connectionsTotal = 0;
  rejectedUpgrades = new Map<number, number>();
  documentsLoaded = 0;
  updatesApplied = 0;
  writesRefused = 0;
  messagesRejected = new Map<string, number>();
  persistLatencies: () => number[] = () => [];

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
