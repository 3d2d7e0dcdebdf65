// The image installs production dependencies only (`npm install --omit=dev`): everything the
// compiled service imports must be one, and the simulator's generator must not ship.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Packages a file imports (type-only imports too: stricter than needed, never looser). */
function importedPackages(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'))
    .map((spec) =>
      (spec.startsWith('@') ? spec.split('/').slice(0, 2) : spec.split('/', 1)).join('/'),
    )
    .filter((name) => !builtinModules.includes(name));
}

describe('image dependencies', () => {
  const imported = new Set(sourceFiles('src').flatMap(importedPackages));

  it('are every package src/ imports', () => {
    expect([...imported].filter((name) => pkg.dependencies[name] === undefined)).toEqual([]);
  });

  it('leave out what only the simulator, tests and benchmarks use', () => {
    expect(pkg.dependencies['pure-rand']).toBeUndefined();
    expect(pkg.devDependencies['pure-rand']).toBeDefined();
    expect(imported.has('pure-rand')).toBe(false);
  });
});
