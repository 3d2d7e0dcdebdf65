import { describe, expect, it } from 'vitest';
import { parseDatabendType } from '../../src/schema/databend-type.js';
import type { TableColumn } from '../../src/schema/schema-diff.js';
import {
  alterTableSql,
  createDatabaseSql,
  createOdsTableSql,
  createRawTableSql,
  lastBusinessColumn,
  odsBusinessColumns,
  parseColumnRows,
  rawBusinessColumns,
  readColumnsSql,
  readTableColumns,
} from '../../src/schema/table-ddl.js';

function cols(spec: Record<string, string>): TableColumn[] {
  return Object.entries(spec).map(([name, sql]) => ({ name, type: parseDatabendType(sql) }));
}

function mapped(spec: Record<string, string>) {
  return cols(spec).map((c) => ({ name: c.name, databendType: c.type }));
}

const layout = { opColumn: 'Op', timestampColumn: 'DMS_TIMESTAMP' };

describe('business columns', () => {
  it('keeps raw columns in file order with Op and the timestamp as VARCHAR', () => {
    const raw = rawBusinessColumns(
      mapped({ Op: 'VARIANT', DMS_TIMESTAMP: 'VARCHAR', id: 'INT' }),
      layout,
    );
    expect(raw).toEqual(cols({ Op: 'VARCHAR', DMS_TIMESTAMP: 'VARCHAR', id: 'INT' }));
  });

  it('gives raw an Op column even when a full-load file has none', () => {
    const raw = rawBusinessColumns(mapped({ DMS_TIMESTAMP: 'VARCHAR', id: 'INT' }), layout);
    expect(raw.map((c) => c.name)).toEqual(['Op', 'DMS_TIMESTAMP', 'id']);
  });

  it('gives ODS the business columns without Op', () => {
    const ods = odsBusinessColumns(
      mapped({ Op: 'VARCHAR', DMS_TIMESTAMP: 'VARCHAR', id: 'INT' }),
      layout,
    );
    expect(ods.map((c) => c.name)).toEqual(['DMS_TIMESTAMP', 'id']);
  });

  it('needs no timestamp column when the task has none', () => {
    const raw = rawBusinessColumns(mapped({ id: 'INT' }), { opColumn: 'Op' });
    expect(raw.map((c) => c.name)).toEqual(['Op', 'id']);
  });
});

describe('DDL', () => {
  it('creates a database only if it is missing', () => {
    expect(createDatabaseSql('raw')).toBe('CREATE DATABASE IF NOT EXISTS `raw`');
  });

  it('creates raw with nullable business columns followed by NOT NULL lineage columns', () => {
    expect(
      createRawTableSql(
        'raw',
        'order items',
        cols({ Op: 'VARCHAR', id: 'INT', price: 'DECIMAL(10, 2)' }),
      ),
    ).toBe(
      'CREATE TABLE IF NOT EXISTS `raw`.`order items` (`Op` VARCHAR NULL, `id` INT NULL, ' +
        '`price` DECIMAL(10, 2) NULL, `_file` VARCHAR NOT NULL, `_row` BIGINT NOT NULL, ' +
        '`_seq` VARCHAR NOT NULL, `_batch` VARCHAR NOT NULL, `_loaded_at` TIMESTAMP NOT NULL)',
    );
  });

  it('creates ODS with nullable business columns followed by NOT NULL state columns', () => {
    expect(
      createOdsTableSql('ods', 'Orders', cols({ id: 'BIGINT UNSIGNED', doc: 'VARIANT' })),
    ).toBe(
      'CREATE TABLE IF NOT EXISTS `ods`.`Orders` (`id` BIGINT UNSIGNED NULL, `doc` VARIANT NULL, ' +
        '`is_deleted` BOOLEAN NOT NULL, `_seq` VARCHAR NOT NULL, `_updated_at` TIMESTAMP NOT NULL)',
    );
  });

  it('quotes names that are reserved words or contain quotes and backticks', () => {
    const sql = createRawTableSql('raw', 'select', cols({ 'a`b': 'INT', "it's": 'INT' }));
    expect(sql).toContain('`raw`.`select`');
    expect(sql).toContain('"a`b" INT NULL');
    expect(sql).toContain("`it's` INT NULL");
  });

  it('adds each new column after the previous one, then widens all columns in one statement', () => {
    const statements = alterTableSql(
      'raw',
      'orders',
      {
        add: cols({ note: 'VARCHAR', extra: 'DATE' }),
        widen: [
          { name: 'qty', from: parseDatabendType('INT'), to: parseDatabendType('BIGINT') },
          {
            name: 'price',
            from: parseDatabendType('DECIMAL(10, 2)'),
            to: parseDatabendType('DECIMAL(20, 4)'),
          },
        ],
      },
      'price',
    );
    expect(statements).toEqual([
      'ALTER TABLE `raw`.`orders` ADD COLUMN IF NOT EXISTS `note` VARCHAR NULL AFTER `price`',
      'ALTER TABLE `raw`.`orders` ADD COLUMN IF NOT EXISTS `extra` DATE NULL AFTER `note`',
      'ALTER TABLE `raw`.`orders` MODIFY COLUMN `qty` BIGINT NULL, COLUMN `price` DECIMAL(20, 4) NULL',
    ]);
  });

  it('appends new columns when no anchor is given', () => {
    expect(alterTableSql('ods', 't', { add: cols({ n: 'INT' }), widen: [] })).toEqual([
      'ALTER TABLE `ods`.`t` ADD COLUMN IF NOT EXISTS `n` INT NULL',
    ]);
  });

  it('places new columns before the lineage and state columns', () => {
    expect(
      lastBusinessColumn(cols({ Op: 'VARCHAR', id: 'INT', _file: 'VARCHAR', _row: 'BIGINT' })),
    ).toBe('id');
    expect(lastBusinessColumn(cols({ id: 'INT', is_deleted: 'BOOLEAN', _seq: 'VARCHAR' }))).toBe(
      'id',
    );
  });
});

describe('reading a table back', () => {
  it('asks system.columns with quoted literals', () => {
    expect(readColumnsSql("o'db", 't\\1')).toBe(
      "SELECT name, data_type FROM system.columns WHERE database = 'o''db' AND table = 't\\\\1'",
    );
  });

  it('parses the engine rows into typed columns', () => {
    expect(
      parseColumnRows([
        { name: 'd', data_type: 'DECIMAL(10, 2)' },
        { name: 'u', data_type: 'INT UNSIGNED' },
      ]),
    ).toEqual(cols({ d: 'DECIMAL(10, 2)', u: 'INT UNSIGNED' }));
    expect(() => parseColumnRows([{ name: 'x' }])).toThrow(/unexpected system.columns row/);
  });

  it('reports a table without columns as missing', async () => {
    const conn = { queryAll: () => Promise.resolve([]) };
    await expect(readTableColumns(conn, 'raw', 'nope')).resolves.toBeUndefined();
  });
});
