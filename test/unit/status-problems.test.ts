import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withHeldAndErrors } from '../../src/cli/status-problems.js';
import { formatHeldAndErrors, type TableStatus } from '../../src/cli/status-format.js';
import { recordTableErrorSql } from '../../src/control/table-errors-sql.js';
import type { SessionSource } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { TableErrorRecorder } from '../../src/lifecycle/table-errors.js';
import { createLogger } from '../../src/logger.js';

const orders: TableStatus = {
  table: 'orders',
  paused: true,
  reason: 'bad file',
  files: 3,
  rows: 9,
};

describe('status: held files and last errors', () => {
  it('adds held files and the last error per table, and tables known only from them', () => {
    const tables = withHeldAndErrors(
      [orders],
      [{ table_name: 'orders', files: '2', oldest_event_time: '2026-01-02 03:04:05.000000' }],
      [{ table: 'items', kind: 'transient', message: 'Databend unreachable', at: new Date(0) }],
    );
    expect(tables).toEqual([
      {
        table: 'items',
        paused: false,
        files: 0,
        rows: 0,
        heldFiles: 0,
        lastError: { kind: 'transient', message: 'Databend unreachable', at: new Date(0) },
      },
      { ...orders, heldFiles: 2, oldestHeldEventTime: new Date('2026-01-02T03:04:05Z') },
    ]);
    expect(formatHeldAndErrors(tables)).toEqual([
      '',
      'items: last error at 1970-01-01 00:00:00 (transient): Databend unreachable',
      'orders: 2 file(s) held until it resumes, oldest from 2026-01-02 03:04:05',
    ]);
  });

  it('prints nothing more for tables without held files or errors', () => {
    expect(formatHeldAndErrors(withHeldAndErrors([orders], [], []))).toEqual([]);
  });

  it('replaces a table’s last error with one quoted statement pair', () => {
    const [del, insert] = recordTableErrorSql('ctl', {
      table: "it's",
      kind: 'poison',
      message: 'x'.repeat(5_000),
    });
    expect(del).toBe("DELETE FROM `ctl`.`table_errors` WHERE `table_name` = 'it''s'");
    expect(insert).toMatch(
      /^INSERT INTO `ctl`\.`table_errors` \(`table_name`, `kind`, `message`, `occurred_at`\) VALUES \('it''s', 'poison', 'x{2000}', now\(\)\)$/,
    );
  });
});

describe('the table error recorder', () => {
  const silent = createLogger({
    level: 'fatal',
    destination: new Writable({ write: (_chunk, _enc, done) => done() }),
  });

  it('records failed batches and poison files, coalescing errors that come during a write', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    const pool: SessionSource = {
      with: async (work) =>
        work({
          exec: async (sql) => {
            if (sql.startsWith('INSERT')) {
              written.push(sql.replace(/.*VALUES \('(\w+)', '(\w+)', '([^']*)'.*/, '$1 $2 $3'));
              if (release === undefined) await new Promise<void>((r) => (release = r));
            }
            return 0;
          },
          query: () => Promise.resolve([]),
        }),
    };
    const recorder = new TableErrorRecorder({ pool, controlDatabase: 'ctl', logger: silent });
    const events = new PipelineEvents();
    recorder.subscribe(events);
    const fail = (message: string, transient = true): void =>
      events.emit('batch:failed', {
        table: 'orders',
        batchId: '',
        error: new Error(message),
        attempt: 1,
        transient,
      });
    fail('first');
    await new Promise((r) => setImmediate(r));
    // While the first write waits, two more errors: only the newest is written after it.
    fail('second');
    fail('third', false);
    events.emit('file:outcome', { table: 'items', outcome: 'poison', reason: 'bad', key: 'k' });
    events.emit('file:outcome', { table: 'items', outcome: 'done', reason: 'loaded' });
    release?.();
    await recorder.idle();
    expect(written).toEqual([
      'orders transient first',
      'items poison k: bad',
      'orders permanent third',
    ]);
  });
});
