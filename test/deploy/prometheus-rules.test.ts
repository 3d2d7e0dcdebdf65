// The alert rules are valid, behave as their unit tests say (promtool), and ship identically as a
// plain rule file, a PrometheusRule and the Helm chart's copy.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/metrics.js';
import { runTool } from '../support/deploy-tools.js';

const DIR = 'deploy/prometheus';
const RULES = `${DIR}/bend-replicator.rules.yaml`;

interface Rule {
  alert: string;
  expr: string;
  for?: string;
}
const groupsOf = (path: string): unknown =>
  (parseYaml(readFileSync(path, 'utf8')) as { groups: unknown }).groups;

describe('alert rules', () => {
  it('pass promtool check rules', async () => {
    const result = await runTool('promtool', ['check', 'rules', RULES]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code, result.stderr).toBe(0);
  });

  it('pass their promtool unit tests', async () => {
    const result = await runTool(
      'promtool',
      ['test', 'rules', 'tests/bend-replicator.rules.test.yaml'],
      DIR,
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('each wait before firing and each have a unit test', () => {
    const rules = (groupsOf(RULES) as { rules: Rule[] }[]).flatMap((g) => g.rules);
    expect(rules.filter((r) => r.for === undefined).map((r) => r.alert)).toEqual([]);
    const tests = readFileSync(`${DIR}/tests/bend-replicator.rules.test.yaml`, 'utf8');
    expect(
      rules.filter((r) => !tests.includes(`alertname: ${r.alert}\n`)).map((r) => r.alert),
    ).toEqual([]);
    expect(rules.some((r) => r.expr.includes('absent('))).toBe(true);
  });

  it('are the same groups in the PrometheusRule and the Helm chart', () => {
    const prometheusRule = parseYaml(readFileSync(`${DIR}/prometheusrule.yaml`, 'utf8')) as {
      kind: string;
      spec: { groups: unknown };
    };
    expect(prometheusRule.kind).toBe('PrometheusRule');
    expect(prometheusRule.spec.groups).toEqual(groupsOf(RULES));
    expect(
      readFileSync('deploy/helm/bend-replicator/files/bend-replicator.rules.yaml', 'utf8'),
    ).toBe(readFileSync(RULES, 'utf8'));
  });

  it('read only metrics the service exports, and the CloudWatch exporter’s SQS depth', async () => {
    const exported = new Set(
      (await new Metrics().registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    const rules = (groupsOf(RULES) as { rules: Rule[] }[]).flatMap((g) => g.rules);
    const read = rules.flatMap((r) =>
      [...r.expr.matchAll(/\b(bend_replicator_\w+|aws_\w+)/g)].map((m) => m[1] ?? ''),
    );
    expect(read.length).toBeGreaterThan(8);
    for (const name of read)
      if (!name.startsWith('aws_sqs_')) expect(exported, `${name} is not exported`).toContain(name);
  });
});
