/**
 * Which release this is: the version from package.json and the commit the image was built from
 * (`build-info.json` beside package.json, written by the Dockerfile from its REVISION build
 * argument; "unknown" when run from a checkout).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { BuildInfo } from './metrics.js';

// src/metrics/ and dist/metrics/ both sit two levels below the package root.
const PACKAGE_ROOT = new URL('../../', import.meta.url);

function readJson(name: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(new URL(name, PACKAGE_ROOT), 'utf8'));
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : 'unknown';
}

export function buildInfo(): BuildInfo {
  return {
    version: text(readJson('package.json')?.version),
    commit: text(readJson('build-info.json')?.commit),
    node: hostname(),
  };
}
