// The bad-input catalogue in order, and its table for docs/bad-input.md.
import type { BadInputCase } from './case.js';
import { configCases } from './cases-config.js';
import { fileCases } from './cases-files.js';
import { messageCases } from './cases-messages.js';
import { nameCases } from './cases-names.js';
import { objectCases } from './cases-objects.js';
import { transientCases } from './cases-transient.js';

export const CATALOGUE: readonly BadInputCase[] = [
  ...messageCases,
  ...objectCases,
  ...fileCases,
  ...nameCases,
  ...transientCases,
  ...configCases,
];

/** The Markdown table docs/bad-input.md holds: kind, input, outcome, what the operator sees. */
export function catalogueTable(cases: readonly BadInputCase[] = CATALOGUE): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    '| # | kind | input | outcome | what the operator sees |',
    '|---|---|---|---|---|',
    ...cases.map(
      (c, i) =>
        `| ${i + 1} | ${c.kind} | ${cell(c.name)} | **${cell(c.expected)}** | ${cell(c.sees)} |`,
    ),
  ].join('\n');
}
