// Every link in README.md and docs/ resolves: a relative link names a file or folder inside the
// repository (none leaves it), and a #fragment names a heading of the page it points at.
// Links to web sites are not fetched (CI runs offline); they must at least be https.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Inline links and images outside code, `[text](target)`. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of markdown.replace(/```[\s\S]*?```/g, '').split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .toLowerCase()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    found.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return found;
}

function problems(page: string, text = readFileSync(join(ROOT, page), 'utf8')): string[] {
  const found: string[] = [];
  for (const link of links(text)) {
    if (/^[a-z]+:/i.test(link)) {
      if (!link.startsWith('https://') && !link.startsWith('mailto:'))
        found.push(`${link}: not https`);
      continue;
    }
    const [path = '', fragment] = link.split('#', 2);
    const target =
      path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), decodeURI(path));
    const inside = relative(ROOT, target);
    if (inside.startsWith('..') || inside.startsWith('/')) {
      found.push(`${link}: outside the repository`);
      continue;
    }
    if (!existsSync(target)) {
      found.push(`${link}: ${inside} does not exist`);
      continue;
    }
    if (fragment !== undefined && statSync(target).isFile() && target.endsWith('.md')) {
      if (!anchors(readFileSync(target, 'utf8')).has(fragment))
        found.push(`${link}: no heading #${fragment} in ${inside}`);
    }
  }
  return found;
}

describe('links in README.md and docs/', () => {
  it.each(PAGES)('%s: every link resolves inside the repository', (page) => {
    expect(problems(page)).toEqual([]);
  });

  it('catch a link that leaves the repository, a missing file and a missing heading', () => {
    const page = [
      '[contract](../../shared/DESIGN.md)',
      '[gone](nowhere.md)',
      '[heading](metrics.md#no-such-heading)',
      '[fine](metrics.md#lag-pending-work-and-what-to-alert-on)',
      '`[in code](nowhere-either.md)`',
      '[web](http://example.com)',
    ].join('\n');
    expect(problems('docs/example.md', page)).toEqual([
      '../../shared/DESIGN.md: outside the repository',
      'nowhere.md: docs/nowhere.md does not exist',
      'metrics.md#no-such-heading: no heading #no-such-heading in docs/metrics.md',
      'http://example.com: not https',
    ]);
  });
});
