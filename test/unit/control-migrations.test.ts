import { describe, expect, it } from 'vitest';
import { MIGRATIONS, latestVersion } from '../../src/control/migrations.js';
import { recordVersionSql } from '../../src/control/schema-version-sql.js';
import { holdFileSql } from '../../src/control/held-files-sql.js';
import { insertLedgerSql, setTablePausedSql } from '../../src/control/ledger-sql.js';

describe('control-table migrations', () => {
  it('are numbered 1, 2, 3… in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(latestVersion()).toBe(MIGRATIONS.length);
  });

  it('are idempotent statements that only add', () => {
    for (const sql of MIGRATIONS.flatMap((m) => m.statements('ctl'))) {
      expect(sql).toMatch(
        /^(CREATE TABLE IF NOT EXISTS|ALTER TABLE \S+ ADD COLUMN IF NOT EXISTS) /,
      );
    }
  });
});

describe('INSERTs into control tables', () => {
  const namedColumns = /^INSERT INTO `ctl`\.`\w+` \(`\w+`(, `\w+`)*\) VALUES /;
  const ref = {
    bucket: 'b',
    key: 'shop/orders/1.parquet',
    etag: 'e',
    size: 1,
    eventTime: new Date(0),
    eventName: 'ObjectCreated:Put',
  };

  it('name their columns, so columns a later release adds break nothing', () => {
    const statements = [
      insertLedgerSql('ctl', [
        { ...ref, table: 'orders', batchId: 'b1', kind: 'cdc', rows: 1, eventTime: undefined },
      ]),
      ...setTablePausedSql('ctl', 'orders', true, 'why').filter((s) => s.startsWith('INSERT')),
      holdFileSql('ctl', 'orders', ref),
      recordVersionSql('ctl', { version: 1, description: 'd', statements: () => [] }, 'me'),
    ];
    expect(statements).toHaveLength(4);
    for (const sql of statements) expect(sql).toMatch(namedColumns);
  });
});
