// The bad-input catalogue in order, and its table for docs/bad-input.md.
import type { BadInputCase } from './case.js';
import { configCases } from './cases-config.js';
import { fileCases } from './cases-files.js';
import { messageCases } from './cases-messages.js';
import { nameCases } from './cases-names.js';
import { objectCases } from './cases-objects.js';
import { reloadCases } from './cases-reloads.js';
import { transientCases } from './cases-transient.js';

export const CATALOGUE: readonly BadInputCase[] = [
  ...messageCases,
  ...objectCases,
  ...reloadCases,
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

/**
 * The README's short list: per kind, every input with its outcome, in catalogue order; each line
 * starts with `indent` (the README nests it in a list item).
 */
export function catalogueList(indent = '', cases: readonly BadInputCase[] = CATALOGUE): string {
  const kinds = [...new Set(cases.map((c) => c.kind))];
  return kinds
    .map((kind) => {
      const ofKind = cases.filter((c) => c.kind === kind);
      const items = ofKind.map((c) => `${c.name} (${c.expected})`).join('; ');
      return `${indent}- **${kind}** (${ofKind.length}): ${items}.`;
    })
    .join('\n');
}
