import { describe, expect, it } from 'vitest';
import { classifyBatchError } from '../../src/ingest/batch-failure.js';
import type { SqlSession } from '../../src/databend/session-pool.js';
import { runBatchTransaction, type BatchStatements } from '../../src/merge/batch-transaction.js';

/** A session that answers the summary with `summary` and records every statement. */
function fakeSession(summary: Record<string, unknown>[]): SqlSession & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    exec: (sql) => {
      log.push(sql);
      return Promise.resolve(1);
    },
    query: (sql) => {
      log.push(sql);
      if (sql === 'COPY') return Promise.resolve([{ File: 'a', Rows_loaded: 2 }]);
      return Promise.resolve(summary);
    },
  };
}

const statements: BatchStatements = {
  copies: ['COPY'],
  summary: 'SUMMARY',
  merge: 'MERGE',
  ledger: () => 'LEDGER',
};

describe('the batch transaction', () => {
  it('commits a batch whose rows all have a _seq', async () => {
    const session = fakeSession([{ file: 'a', op: 'I', n: '2', nullkeys: '0', nullseqs: '0' }]);
    const result = await runBatchTransaction(session, statements);
    expect(result.rowsByOp).toEqual({ I: 2, U: 0, D: 0 });
    expect(session.log).toEqual(['BEGIN', 'COPY', 'SUMMARY', 'MERGE', 'LEDGER', 'COMMIT']);
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
});
