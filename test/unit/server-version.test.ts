import { describe, expect, it } from 'vitest';
import {
  checkServerVersion,
  judgeServerVersion,
  parseServerVersion,
  UnsupportedDatabendError,
} from '../../src/databend/server-version.js';
import type { SqlSession } from '../../src/databend/session-pool.js';

const LOCAL =
  'Databend Query v1.2.895-nightly-363a49c1dd(rust-1.94.0-nightly-2026-04-12T03:13:19Z)';

function answering(version: string): SqlSession {
  return {
    exec: () => Promise.resolve(0),
    query: (sql) => Promise.resolve(sql === 'SELECT version() AS v' ? [{ v: version }] : []),
  };
}

describe('the oldest supported Databend', () => {
  it('reads the version from what SELECT version() says', () => {
    expect(parseServerVersion(LOCAL)).toEqual([1, 2, 895]);
    expect(parseServerVersion('v1.3.0-nightly')).toEqual([1, 3, 0]);
    expect(parseServerVersion('Databend Query')).toBeUndefined();
  });

  it('accepts 1.2.892 and anything newer', () => {
    for (const version of ['v1.2.892', LOCAL, 'v1.3.0', 'v2.0.1'])
      expect(judgeServerVersion(version).ok, version).toBe(true);
    expect(judgeServerVersion(LOCAL).detail).toBe(
      'Databend Query v1.2.895-nightly-363a49c1dd (1.2.892 or newer needed)',
    );
  });

  it('refuses an older server, naming the version found and the one needed', async () => {
    const verdict = judgeServerVersion('Databend Query v1.2.891-nightly');
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toBe(
      'Databend 1.2.891 is older than 1.2.892, the oldest this release supports ' +
        '(it needs ALTER TABLE … ADD COLUMN IF NOT EXISTS); upgrade Databend',
    );
    await expect(checkServerVersion(answering('v1.1.99'))).rejects.toThrow(
      UnsupportedDatabendError,
    );
    await expect(checkServerVersion(answering('v1.1.99'))).rejects.toThrow(
      /1\.1\.99 is older than 1\.2\.892/,
    );
  });

  it('refuses a server whose version it cannot read', async () => {
    await expect(checkServerVersion(answering('something else'))).rejects.toThrow(
      /cannot read a version in "something else"; needs 1\.2\.892 or newer/,
    );
  });
});
