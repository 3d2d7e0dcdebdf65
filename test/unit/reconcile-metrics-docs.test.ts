import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ReconcileMetrics } from '../../src/reconcile/reconcile-metrics.js';

describe('docs/reconcile.md', () => {
  it('lists every reconcile metric with its type, labels and help text, and no others', async () => {
    const doc = readFileSync('docs/reconcile.md', 'utf8');
    const registry = new Registry();
    new ReconcileMetrics(registry);
    const exported = await registry.getMetricsAsJSON();
    for (const metric of exported) {
      const labels = (registry.getSingleMetric(metric.name) as unknown as { labelNames: string[] })
        .labelNames;
      const labelCell = labels.map((l) => `\`${l}\``).join(', ') || '—';
      expect(doc).toContain(
        `| \`${metric.name}\` | ${metric.type} | ${labelCell} | ${metric.help} |`,
      );
    }
    const documented = [...doc.matchAll(/^\| `(bend_replicator_\w+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(exported.map((m) => m.name).sort());
  });
});
