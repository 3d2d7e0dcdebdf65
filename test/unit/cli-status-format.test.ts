import { describe, expect, it } from 'vitest';
import { formatDuration, formatStatus, tableStatuses } from '../../src/cli/status-format.js';

const at = (iso: string): Date => new Date(iso);

describe('tableStatuses', () => {
  it('joins the ledger totals, the last batch and the pause state per table', () => {
    const statuses = tableStatuses(
      [
        {
          table_name: 'orders',
          files: '3',
          row_count: '60',
          newest_event: at('2026-01-01T10:00:00Z'),
          last_loaded: at('2026-01-01T10:00:05Z'),
          lag_seconds: '75',
        },
      ],
      [
        {
          table_name: 'orders',
          batch_id: 'b2',
          files: '1',
          row_count: '20',
          loaded_at: at('2026-01-01T10:00:05Z'),
        },
      ],
      [
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
      ],
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
        lastBatch: { id: 'b2', loadedAt: at('2026-01-01T10:00:05Z'), files: 1, rows: 20 },
        files: 3,
        rows: 60,
        newestEvent: at('2026-01-01T10:00:00Z'),
        lagSeconds: 75,
      },
    ]);
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
