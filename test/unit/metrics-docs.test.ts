import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/metrics.js';

describe('docs/metrics.md', () => {
  it('lists every service metric with its type, labels and help text, and no others', async () => {
    const doc = readFileSync('docs/metrics.md', 'utf8');
    const metrics = new Metrics({ defaultMetrics: false });
    const exported = await metrics.registry.getMetricsAsJSON();
    for (const metric of exported) {
      const labels = (
        metrics.registry.getSingleMetric(metric.name) as unknown as {
          labelNames: string[];
        }
      ).labelNames;
      const labelCell = labels.map((l) => `\`${l}\``).join(', ') || '—';
      expect(doc).toContain(
        `| \`${metric.name}\` | ${metric.type} | ${labelCell} | ${metric.help} |`,
      );
    }
    const documented = [...doc.matchAll(/^\| `(bend_replicator_\w+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(exported.map((m) => m.name).sort());
  });
});
