// A table created from one file's footer evolves for a later file: new columns are added,
// INT -> BIGINT, DECIMAL(10,2) -> DECIMAL(20,4) and FLOAT -> DOUBLE widen in place, a dropped
// column loads as NULL, and old rows keep their values. Also: awkward names survive the DDL.
import { beforeAll, describe, expect, it } from 'vitest';
import { qualified } from '../../src/databend/quote.js';
import { formatDatabendType, parseDatabendType } from '../../src/schema/databend-type.js';
import { diffSchema, type SchemaDiff, type TableColumn } from '../../src/schema/schema-diff.js';
import {
  RESERVED_COLUMN_NAMES,
  alterTableSql,
  createOdsTableSql,
  createRawTableSql,
  lastBusinessColumn,
  odsBusinessColumns,
  rawBusinessColumns,
  readTableColumns,
} from '../../src/schema/table-ddl.js';
import { mapParquetColumns, type MappedColumn } from '../../src/schema/type-map.js';
import { fixtureCopySql, useFixtureStage } from '../support/schema-fixture.js';

const fixture = useFixtureStage('schema_evolve');
const { rawDb, odsDb, stage } = fixture;
const layout = { opColumn: 'Op', timestampColumn: 'DMS_TIMESTAMP' };
const table = 'orders';

async function fileColumns(name: string): Promise<readonly MappedColumn[]> {
  return mapParquetColumns((await fixture.schemaOf(name)).columns).columns;
}

async function columnsOf(db: string, name = table): Promise<TableColumn[]> {
  const columns = await readTableColumns(fixture.conn, db, name);
  if (columns === undefined) throw new Error(`${db}.${name} does not exist`);
  return columns;
}

function typesOf(columns: readonly TableColumn[]): [string, string][] {
  return columns.map((c) => [c.name, formatDatabendType(c.type)]);
}

async function diffAgainst(
  db: string,
  business: readonly TableColumn[],
  file: string,
): Promise<SchemaDiff> {
  return diffSchema({
    table: `${db}.${table}`,
    file,
    tableColumns: await columnsOf(db),
    fileColumns: business,
    reservedColumns: RESERVED_COLUMN_NAMES,
  });
}

/** The statements that bring `db`.orders up to the diff, new columns before lineage/state. */
async function alterStatements(db: string, diff: SchemaDiff): Promise<string[]> {
  if (diff.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(diff)}`);
  return alterTableSql(db, table, diff, lastBusinessColumn(await columnsOf(db)));
}

describe('schema evolution on the engine', () => {
  let before: readonly MappedColumn[];
  let after: readonly MappedColumn[];

  beforeAll(async () => {
    before = await fileColumns('evolve-before.parquet');
    after = await fileColumns('evolve-after.parquet');
  });

  it('creates raw and ODS from the first file and loads it', async () => {
    await fixture.conn.exec(createRawTableSql(rawDb, table, rawBusinessColumns(before, layout)));
    await fixture.conn.exec(createOdsTableSql(odsDb, table, odsBusinessColumns(before, layout)));
    expect(
      await fixture.conn.exec(
        fixtureCopySql({ rawDb, table, stage }, before, 'evolve-before.parquet'),
      ),
    ).toBe(2);
    expect(
      await diffAgainst(rawDb, rawBusinessColumns(before, layout), 'evolve-before.parquet'),
    ).toEqual({
      kind: 'none',
    });
  });

  it('plans the added column and the three widenings for the later file', async () => {
    const diff = await diffAgainst(
      rawDb,
      rawBusinessColumns(after, layout),
      'evolve-after.parquet',
    );
    expect(diff.kind === 'change' && diff.add.map((c) => c.name)).toEqual(['note']);
    expect(
      diff.kind === 'change' &&
        diff.widen.map(
          (w) => `${w.name}: ${formatDatabendType(w.from)} -> ${formatDatabendType(w.to)}`,
        ),
    ).toEqual([
      'qty: INT -> BIGINT',
      'price: DECIMAL(10, 2) -> DECIMAL(20, 4)',
      'ratio: FLOAT -> DOUBLE',
    ]);
  });

  it('alters raw and ODS in place, new columns before the lineage and state columns', async () => {
    for (const [db, business] of [
      [rawDb, rawBusinessColumns(after, layout)],
      [odsDb, odsBusinessColumns(after, layout)],
    ] as const) {
      const diff = await diffAgainst(db, business, 'evolve-after.parquet');
      for (const sql of await alterStatements(db, diff)) {
        await fixture.conn.exec(sql);
      }
    }

    expect(typesOf(await columnsOf(rawDb))).toEqual([
      ['Op', 'VARCHAR'],
      ['DMS_TIMESTAMP', 'VARCHAR'],
      ['id', 'INT'],
      ['qty', 'BIGINT'],
      ['price', 'DECIMAL(20, 4)'],
      ['ratio', 'DOUBLE'],
      ['gone', 'VARCHAR'],
      ['note', 'VARCHAR'],
      ['_file', 'VARCHAR'],
      ['_row', 'BIGINT'],
      ['_seq', 'VARCHAR'],
      ['_batch', 'VARCHAR'],
      ['_loaded_at', 'TIMESTAMP'],
    ]);
    expect(typesOf(await columnsOf(odsDb)).map(([name]) => name)).toEqual([
      'DMS_TIMESTAMP', 'id', 'qty', 'price', 'ratio', 'gone', 'note', 'is_deleted', '_seq', '_updated_at',
    ]); // prettier-ignore
  });

  it('has nothing left to do, and re-running the same statements changes nothing', async () => {
    const business = rawBusinessColumns(after, layout);
    expect(await diffAgainst(rawDb, business, 'evolve-after.parquet')).toEqual({ kind: 'none' });

    const again = alterTableSql(rawDb, table, {
      add: [{ name: 'note', type: parseDatabendType('VARCHAR') }],
      widen: [{ name: 'qty', from: parseDatabendType('INT'), to: parseDatabendType('BIGINT') }],
    }, 'gone'); // prettier-ignore
    const columnsBefore = typesOf(await columnsOf(rawDb));
    for (const sql of again) {
      await fixture.conn.exec(sql);
    }
    expect(typesOf(await columnsOf(rawDb))).toEqual(columnsBefore);
  });

  it('loads the later file; old rows keep their values and the dropped column is NULL', async () => {
    expect(
      await fixture.conn.exec(
        fixtureCopySql({ rawDb, table, stage }, after, 'evolve-after.parquet'),
      ),
    ).toBe(2);

    const rows = await fixture.conn.queryAll(
      // `Op` must be quoted: an unquoted name folds to lower case, and `op` is another column.
      'SELECT `Op`, id::STRING, qty::STRING, price::STRING, ratio::STRING, gone, note, _file ' +
        `FROM ${qualified(rawDb, table)} ORDER BY _file DESC, _row`,
    );
    expect(rows.map((r) => r.values() as unknown[])).toEqual([
      [
        'I',
        '1',
        '2147483647',
        '12345678.9100',
        '1.5',
        'dropped later',
        null,
        'evolve-before.parquet',
      ],
      ['I', '2', null, null, null, null, null, 'evolve-before.parquet'],
      [
        'U',
        '1',
        '9223372036854775807',
        '1234567890123456.1234',
        '1e300',
        null,
        'added',
        'evolve-after.parquet',
      ],
      ['I', '3', '-1', '0.0001', null, null, null, 'evolve-after.parquet'],
    ]);
  });

  it('still loads an older, narrower file into the widened table', async () => {
    expect(
      await diffAgainst(rawDb, rawBusinessColumns(before, layout), 'evolve-before.parquet'),
    ).toEqual({
      kind: 'none',
    });
    expect(
      await fixture.conn.exec(
        fixtureCopySql({ rawDb, table, stage }, before, 'evolve-before.parquet'),
      ),
    ).toBe(2);
  });
});

describe('identifiers', () => {
  const awkward = [
    'select',
    'Mixed Case',
    'mixed case',
    'with "quotes"',
    "it's",
    'back`tick',
    'dot.ted',
    'naïve 列',
  ];

  it('creates a table whose name and columns are awkward, and reads the names back exactly', async () => {
    const name = 'Order Items.v1 "ü"';
    const business = awkward.map((column) => ({ name: column, type: parseDatabendType('INT') }));
    await fixture.conn.exec(createRawTableSql(rawDb, name, business));

    const columns = await columnsOf(rawDb, name);

    expect(columns.map((c) => c.name)).toEqual([
      ...awkward,
      '_file',
      '_row',
      '_seq',
      '_batch',
      '_loaded_at',
    ]);
    const added = alterTableSql(
      rawDb,
      name,
      { add: [{ name: 'new `col`', type: parseDatabendType('DATE') }], widen: [] },
      lastBusinessColumn(columns),
    );
    for (const sql of added) await fixture.conn.exec(sql);
    expect(
      (await columnsOf(rawDb, name))
        .map((c) => c.name)
        .slice(awkward.length - 1, awkward.length + 2),
    ).toEqual(['naïve 列', 'new `col`', '_file']);
  });

  it('reports a table that does not exist as missing', async () => {
    await expect(readTableColumns(fixture.conn, rawDb, 'no such table')).resolves.toBeUndefined();
  });
});
