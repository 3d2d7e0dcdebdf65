// docs/bad-input.md and the README show the catalogue the integration test runs, case for case.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, catalogueList, catalogueTable } from '../support/bad-input/catalogue.js';

describe('docs/bad-input.md', () => {
  it('holds the table of every case of the bad-input catalogue, in order', () => {
    const doc = readFileSync('docs/bad-input.md', 'utf8');
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(25);
    expect(doc).toContain(catalogueTable());
  });

  it('is listed in the README, every case with its outcome', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(`The catalogue of ${CATALOGUE.length} kinds of bad input`);
    expect(readme).toContain(catalogueList('  '));
  });
});
