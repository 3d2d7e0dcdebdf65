import { describe, expect, it } from 'vitest';
import { formatDuration, formatStatus, tableStatuses } from '../../src/cli/status-format.js';
import {
  lastBatchesFromRows,
  lastBatchesSql,
  ledgerTotalsFromRows,
  tableStatesFromRows,
} from '../../src/control/status-sql.js';

const at = (iso: string): Date => new Date(iso);

describe('tableStatuses', () => {
  it('joins the ledger totals, the last batch and the pause state per table', () => {
    const statuses = tableStatuses(
      ledgerTotalsFromRows([
        {
          table_name: 'orders',
          files: '3',
          row_count: '60',
          newest_event: '2026-01-01 10:00:00.000000',
          last_loaded: '2026-01-01 10:00:05.250000',
          lag_seconds: '75',
        },
      ]),
      lastBatchesFromRows([
        {
          table_name: 'orders',
          batch_id: 'b2',
          files: '1',
          row_count: '20',
          loaded_at: '2026-01-01 10:00:05.250000',
        },
      ]),
      tableStatesFromRows([
        {
          table_name: 'orders',
          paused: false,
          reason: null,
          updated_at: at('2026-01-01T09:00:00Z'),
        },
        {
          table_name: 'items',
          paused: true,
          reason: 'bad file',
          updated_at: at('2026-01-01T09:30:00Z'),
        },
      ]),
    );
    expect(statuses).toEqual([
      {
        table: 'items',
        paused: true,
        reason: 'bad file',
        stateSince: at('2026-01-01T09:30:00Z'),
        files: 0,
        rows: 0,
      },
      {
        table: 'orders',
        paused: false,
        stateSince: at('2026-01-01T09:00:00Z'),
        lastBatch: { id: 'b2', loadedAt: at('2026-01-01T10:00:05.250Z'), files: 1, rows: 20 },
        files: 3,
        rows: 60,
        newestEvent: at('2026-01-01T10:00:00Z'),
        lagSeconds: 75,
      },
    ]);
  });

  it('leaves out what the ledger does not say: no event time, no lag', () => {
    const [orders] = tableStatuses(
      ledgerTotalsFromRows([
        {
          table_name: 'orders',
          files: '1',
          row_count: null,
          newest_event: null,
          last_loaded: '2026-01-01 10:00:05.000000',
          lag_seconds: null,
        },
      ]),
      new Map(),
      [],
    );
    expect(orders).toEqual({ table: 'orders', paused: false, files: 1, rows: 0 });
  });
});

describe('lastBatchesSql', () => {
  it('reads each table only from a minute before its last load', () => {
    const sql = lastBatchesSql(
      'ctl',
      new Map([
        ['orders', at('2026-01-01T10:00:05.250Z')],
        ["it's", at('2026-01-02T00:00:30Z')],
      ]),
    );
    expect(sql).toContain(
      "(`table_name` = 'orders' AND `loaded_at` >= '2026-01-01 09:59:05.250'::TIMESTAMP)",
    );
    expect(sql).toContain(
      "(`table_name` = 'it''s' AND `loaded_at` >= '2026-01-01 23:59:30.000'::TIMESTAMP)",
    );
  });

  it('asks nothing when no table has loaded a file', () => {
    expect(lastBatchesSql('ctl', new Map())).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('shows the two largest units and drops a zero second one', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(12)).toBe('12s');
    expect(formatDuration(75)).toBe('1m 15s');
    expect(formatDuration(3_600)).toBe('1h');
    expect(formatDuration(90_061)).toBe('1d 1h');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('formatStatus', () => {
  it('prints an aligned table, the paused tables with their reasons, and the queue', () => {
    const lines = formatStatus(
      [
        {
          table: 'orders',
          paused: true,
          reason: 'shop/orders/x.parquet: bad Op',
          stateSince: at('2026-01-01T09:30:00Z'),
          lastBatch: { id: 'b', loadedAt: at('2026-01-01T10:00:05Z'), files: 2, rows: 20 },
          files: 12,
          rows: 1200,
          lagSeconds: 75,
        },
        { table: 'items', paused: false, files: 0, rows: 0 },
      ],
      { waiting: 3, inFlight: 1, delayed: 0, deadLetters: 2 },
    );
    expect(lines).toEqual([
      'TABLE   STATE    LAST BATCH (UTC)     FILES  ROWS  LOADED FILES  LOADED ROWS  LAG',
      'orders  PAUSED   2026-01-01 10:00:05  2      20    12            1200         1m 15s',
      'items   running  -                    -      -     0             0            -',
      '',
      'orders is paused since 2026-01-01 09:30:00: shop/orders/x.parquet: bad Op',
      '',
      'queue: 3 waiting, 1 in flight, 0 delayed; dead-letter queue: 2',
    ]);
  });

  it('says so when no table has loaded anything', () => {
    expect(formatStatus([])).toEqual(['no table has loaded a file yet']);
  });
});
