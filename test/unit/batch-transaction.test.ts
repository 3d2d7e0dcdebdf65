import { describe, expect, it } from 'vitest';
import { classifyBatchError } from '../../src/ingest/batch-failure.js';
import type { SqlSession } from '../../src/databend/session-pool.js';
import { FencedError, fileMark, LoadedMeanwhileError } from '../../src/merge/batch-fence.js';
import { runBatchTransaction, type BatchStatements } from '../../src/merge/batch-transaction.js';

/** A session that answers the summary with `summary` and records every statement. */
function fakeSession(
  summary: Record<string, unknown>[],
  answers: { claimed?: number; leaseLive?: boolean; inLedger?: string[] } = {},
): SqlSession & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    exec: (sql) => {
      log.push(sql);
      return Promise.resolve(sql === 'CLAIM' ? (answers.claimed ?? 1) : 1);
    },
    query: (sql) => {
      log.push(sql);
      if (sql === 'COPY') return Promise.resolve([{ File: 'a', Rows_loaded: 2 }]);
      if (sql === 'LEASE') return Promise.resolve(answers.leaseLive === false ? [] : [{ live: 1 }]);
      if (sql === 'LEDGER CHECK')
        return Promise.resolve((answers.inLedger ?? []).map((k) => ({ object_key: k, etag: 'e' })));
      return Promise.resolve(summary);
    },
  };
}

const statements: BatchStatements = {
  fence: {
    claim: 'CLAIM',
    claimCarriesToken: false,
    leaseLive: undefined,
    ledger: 'LEDGER CHECK',
    files: new Set([fileMark('a', 'e')]),
  },
  copies: ['COPY'],
  compactRawAfterWrite: true,
  summary: 'SUMMARY',
  merge: 'MERGE',
  ledger: () => 'LEDGER',
};

describe('the batch transaction', () => {
  it('commits a batch whose rows all have a _seq', async () => {
    const session = fakeSession([{ file: 'a', op: 'I', n: '2', nullkeys: '0', nullseqs: '0' }]);
    const result = await runBatchTransaction(session, statements);
    expect(result.rowsByOp).toEqual({ I: 2, U: 0, D: 0 });
    expect(session.log).toEqual([
      'BEGIN',
      'CLAIM',
      'LEDGER CHECK',
      'COPY',
      'SUMMARY',
      'MERGE',
      'LEDGER',
      'COMMIT',
    ]);
  });

  it('turns the engine’s compaction off around the COPYs when raw is compacted on a schedule', async () => {
    const scheduled = { ...statements, compactRawAfterWrite: false };
    const ok = fakeSession([{ file: 'a', op: 'I', n: '2', nullkeys: '0', nullseqs: '0' }]);
    await runBatchTransaction(ok, scheduled);
    expect(ok.log).toEqual([
      'BEGIN',
      'CLAIM',
      'LEDGER CHECK',
      'SET enable_compact_after_write = 0',
      'COPY',
      'UNSET enable_compact_after_write',
      'SUMMARY',
      'MERGE',
      'LEDGER',
      'COMMIT',
    ]);
    // A batch that fails still hands its session back with the engine's default.
    const failing = fakeSession([{ file: 'a', op: 'I', n: '2', nullkeys: '0', nullseqs: '1' }]);
    await runBatchTransaction(failing, scheduled).catch(() => undefined);
    expect(failing.log.slice(-2)).toEqual(['ROLLBACK', 'UNSET enable_compact_after_write']);
  });

  it('fails loudly, and commits nothing, when a row would get a NULL _seq', async () => {
    const session = fakeSession([{ file: 'a', op: 'I', n: '2', nullkeys: '0', nullseqs: '1' }]);
    const failure = await runBatchTransaction(session, statements).catch((e: unknown) => e);
    // A defect of the service, not Databend's answer nor the file's: a bug, never poison.
    expect(classifyBatchError(failure).kind).toBe('bug');
    expect((failure as Error).message).toMatch(/1 raw row\(s\) with a NULL _seq/);
    expect(session.log).not.toContain('MERGE');
    expect(session.log).not.toContain('COMMIT');
    expect(session.log.at(-1)).toBe('ROLLBACK');
  });

  describe('its fencing step', () => {
    const leased: BatchStatements = {
      ...statements,
      fence: { ...statements.fence, claimCarriesToken: true, leaseLive: 'LEASE' },
    };
    const ok = [{ file: 'a', op: 'I', n: '2', nullkeys: '0', nullseqs: '0' }];

    it('claims the table, checks the lease, then the ledger, before anything is written', async () => {
      const session = fakeSession(ok);
      await runBatchTransaction(session, leased);
      expect(session.log.slice(0, 5)).toEqual(['BEGIN', 'CLAIM', 'LEASE', 'LEDGER CHECK', 'COPY']);
    });

    it('stops, fenced, when a newer fencing token has claimed the table', async () => {
      const session = fakeSession(ok, { claimed: 0 });
      await expect(runBatchTransaction(session, leased)).rejects.toBeInstanceOf(FencedError);
      expect(session.log).not.toContain('COPY');
      expect(session.log.at(-1)).toBe('ROLLBACK');
    });

    it('stops, fenced, when its lease expired', async () => {
      const session = fakeSession(ok, { leaseLive: false });
      await expect(runBatchTransaction(session, leased)).rejects.toBeInstanceOf(FencedError);
      expect(session.log).not.toContain('COPY');
    });

    it('stops when another writer committed one of its files before its claim', async () => {
      const session = fakeSession(ok, { inLedger: ['a'] });
      const failure = await runBatchTransaction(session, statements).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(LoadedMeanwhileError);
      expect((failure as LoadedMeanwhileError).keys).toEqual(['a']);
      expect(session.log).not.toContain('COPY');
    });
  });
});
