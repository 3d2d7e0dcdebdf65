// Small formatting helpers for the Markdown summaries.
import type { TargetCheck } from '../harness/context.js';
import type { Summary } from '../harness/stats.js';

export function seconds(ms: number | undefined, digits = 2): string {
  return ms === undefined || !Number.isFinite(ms) ? '–' : (ms / 1000).toFixed(digits);
}

export function fixed(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toFixed(digits);
}

/** A summary of ms values in seconds, as a JSON object. */
export function summaryInSeconds(s: Summary): Record<string, number | null> {
  const sec = (v: number): number | null =>
    Number.isFinite(v) ? Math.round((v / 1000) * 1000) / 1000 : null;
  return {
    count: s.count,
    min: sec(s.min),
    p50: sec(s.p50),
    p95: sec(s.p95),
    p99: sec(s.p99),
    max: sec(s.max),
    mean: sec(s.mean),
  };
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function checkMark(met: boolean | null): string {
  return met === null ? 'not measured' : met ? 'met' : 'MISSED';
}

/** The report's "### Targets" block: each figure, its target, what was measured and whether met. */
export function targetsSection(targets: readonly TargetCheck[]): string {
  return [
    '### Targets',
    '',
    table(
      ['figure', 'target', 'measured', ''],
      targets.map((t) => [t.name, t.target, t.value, checkMark(t.met)]),
    ),
  ].join('\n');
}
