import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/metrics.js';

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync('deploy/grafana/bend-replicator.json', 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Metric names a PromQL expression reads, histogram series folded into their metric. */
function referenced(expr: string): string[] {
  return [...expr.matchAll(/\b((?:bend_replicator|process|nodejs)_\w+)/g)].map((m) =>
    (m[1] ?? '').replace(/_(bucket|sum|count)$/, ''),
  );
}

describe('the Grafana dashboard', () => {
  it('reads only metrics the service exports', async () => {
    const exported = new Set(
      (await new Metrics().registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    const names = new Set(expressions.flatMap(referenced));
    expect(names.size).toBeGreaterThan(10);
    for (const name of names) expect(exported, `${name} is not exported`).toContain(name);
  });

  it('shows every service metric somewhere', async () => {
    const shown = new Set(expressions.flatMap(referenced));
    const own = (await new Metrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map(
      (m) => m.name,
    );
    for (const name of own) expect(shown, `${name} is on no panel`).toContain(name);
  });

  it('gives every panel a query against the chosen data source', () => {
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row'))
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    expect(JSON.stringify(dashboard)).not.toMatch(/"uid":\s*"(?!\$\{datasource\}|bend-replicator)/);
  });
});
