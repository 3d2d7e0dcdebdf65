// `_seq` and the other lineage/state columns are NOT NULL in the tables the service creates; older
// nullable tables are checked at start-up, and a NULL there is found and named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLineageColumns } from '../../src/schema/lineage-check.js';
import { TS } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes } from '../support/parquet.js';

let fixture: LoaderFixture;

beforeAll(async () => {
  fixture = await loaderFixture('lineage', { 'shop.items': { primaryKey: ['id'] } });
});

afterAll(() => fixture.close());

describe('lineage and state columns', () => {
  it('are NOT NULL in the raw and ODS tables the service creates', async () => {
    const file = await fixture.put(
      'shop/items/LOAD00000001.parquet',
      parquetBytes(
        [
          [TS, 'string'],
          ['id', 'int64'],
        ],
        [{ [TS]: '2024-01-01 00:00:01', id: 1 }],
      ),
    );
    const outcomes = await fixture.newLoader().load([file]);
    expect([...outcomes.values()].map((o) => o.kind)).toEqual(['done']);
    const { rawDatabase, odsDatabase } = fixture.target.config.databend;
    const rows = await fixture.conn.queryAll(
      `SELECT database, name, is_nullable FROM system.columns WHERE table = 'items' ` +
        `AND database IN ('${rawDatabase}', '${odsDatabase}') ORDER BY database, name`,
    );
    const nullability = rows.map((r) => {
      const d = r.data();
      return `${d.database === rawDatabase ? 'raw' : 'ods'}.${String(d.name)} ${String(d.is_nullable)}`;
    });
    expect(
      nullability.filter((c) => /\.(_[a-z_]+|is_deleted) /.test(c) && !c.includes(TS)).sort(),
    ).toEqual(
      [
        'ods._seq NO',
        'ods._updated_at NO',
        'ods.is_deleted NO',
        'raw._batch NO',
        'raw._file NO',
        'raw._loaded_at NO',
        'raw._row NO',
        'raw._seq NO',
      ].sort(),
    );
    expect(nullability).toContain('raw.id YES');
    await fixture.pool.with(async (session) => {
      expect(await checkLineageColumns(session, { raw: rawDatabase, ods: odsDatabase })).toEqual(
        [],
      );
    });
  });

  it('are checked in tables created before they were NOT NULL, naming rows that hold a NULL', async () => {
    const { rawDatabase, odsDatabase } = fixture.target.config.databend;
    await fixture.conn.exec(
      `CREATE TABLE ${odsDatabase}.legacy_clean (id BIGINT NULL, is_deleted BOOLEAN NULL, ` +
        `_seq VARCHAR NULL, _updated_at TIMESTAMP NULL)`,
    );
    await fixture.conn.exec(
      `INSERT INTO ${odsDatabase}.legacy_clean VALUES (1, false, '0001', now())`,
    );
    await fixture.conn.exec(
      `CREATE TABLE ${rawDatabase}.legacy_nulls ("Op" VARCHAR NULL, id BIGINT NULL, _file VARCHAR NULL, ` +
        `_row BIGINT NULL, _seq VARCHAR NULL, _batch VARCHAR NULL, _loaded_at TIMESTAMP NULL)`,
    );
    await fixture.conn.exec(
      `INSERT INTO ${rawDatabase}.legacy_nulls VALUES ('I', 1, 'f', 0, NULL, 'b', now()), ` +
        `('I', 2, 'f', 1, '0002', 'b', now())`,
    );
    const found = await fixture.pool.with((session) =>
      checkLineageColumns(session, { raw: rawDatabase, ods: odsDatabase }),
    );
    const byTable = (a: { table: string }, b: { table: string }) => a.table.localeCompare(b.table);
    expect([...found].sort(byTable)).toEqual([
      {
        database: odsDatabase,
        table: 'legacy_clean',
        layer: 'ods',
        columns: ['_seq', '_updated_at', 'is_deleted'],
        rowsWithNull: 0,
      },
      {
        database: rawDatabase,
        table: 'legacy_nulls',
        layer: 'raw',
        columns: ['_batch', '_file', '_loaded_at', '_row', '_seq'],
        rowsWithNull: 1,
      },
    ]);
  });
});
