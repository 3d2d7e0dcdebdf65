import { describe, expect, it } from 'vitest';
import type { DatabendType } from '../../src/schema/databend-type.js';
import type { TableColumn } from '../../src/schema/schema-diff.js';
import { ODS_STATE_COLUMNS, RAW_LINEAGE_COLUMNS } from '../../src/schema/table-ddl.js';
import { planBatchSchema, type FileColumns } from '../../src/schema/schema-plan.js';

const STRING: DatabendType = { kind: 'string' };
const INT: DatabendType = { kind: 'integer', bits: 32, signed: true };
const BIGINT: DatabendType = { kind: 'integer', bits: 64, signed: true };
const target = { rawDatabase: 'raw', odsDatabase: 'ods', table: 'orders', withOds: true };
const layout = { opColumn: 'Op', timestampColumn: 'ts' };

function file(key: string, columns: [string, DatabendType][]): FileColumns {
  return {
    key,
    columns: columns.map(([name, databendType]) => ({
      name,
      databendType,
      loadExpression: (r) => r,
    })),
    unsupported: [],
  };
}

const business: TableColumn[] = [
  { name: 'Op', type: STRING },
  { name: 'ts', type: STRING },
  { name: 'id', type: INT },
  { name: 'name', type: STRING },
];
const existing = {
  raw: [...business, ...RAW_LINEAGE_COLUMNS],
  ods: [...business.filter((c) => c.name !== 'Op'), ...ODS_STATE_COLUMNS],
};

describe('planBatchSchema', () => {
  it('creates both databases and tables for a table seen for the first time', () => {
    const plan = planBatchSchema(target, layout, { raw: [], ods: [] }, [
      file('k1', [
        ['ts', STRING],
        ['id', INT],
      ]),
    ]);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.statements).toEqual([
      'CREATE DATABASE IF NOT EXISTS `raw`',
      'CREATE TABLE IF NOT EXISTS `raw`.`orders` (`Op` VARCHAR NULL, `ts` VARCHAR NULL, `id` INT NULL, `_file` VARCHAR NOT NULL, `_row` BIGINT NOT NULL, `_seq` VARCHAR NOT NULL, `_batch` VARCHAR NOT NULL, `_loaded_at` TIMESTAMP NOT NULL)',
      'CREATE DATABASE IF NOT EXISTS `ods`',
      'CREATE TABLE IF NOT EXISTS `ods`.`orders` (`ts` VARCHAR NULL, `id` INT NULL, `is_deleted` BOOLEAN NOT NULL, `_seq` VARCHAR NOT NULL, `_updated_at` TIMESTAMP NOT NULL)',
    ]);
    expect(plan.ods?.map((c) => c.name)).toEqual(['ts', 'id', 'is_deleted', '_seq', '_updated_at']);
  });

  it('plans nothing when the tables already fit the file', () => {
    const plan = planBatchSchema(target, layout, existing, [
      file('k1', [
        ['Op', STRING],
        ['ts', STRING],
        ['id', INT],
        ['name', STRING],
      ]),
    ]);
    expect(plan).toEqual({ ok: true, statements: [], raw: existing.raw, ods: existing.ods });
  });

  it('adds a new column after the business columns and widens a column, in raw and ODS', () => {
    const plan = planBatchSchema(target, layout, existing, [
      file('k1', [
        ['Op', STRING],
        ['ts', STRING],
        ['id', BIGINT],
        ['name', STRING],
        ['email', STRING],
      ]),
    ]);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.statements).toEqual([
      'ALTER TABLE `raw`.`orders` ADD COLUMN IF NOT EXISTS `email` VARCHAR NULL AFTER `name`',
      'ALTER TABLE `raw`.`orders` MODIFY COLUMN `id` BIGINT NULL',
      'ALTER TABLE `ods`.`orders` ADD COLUMN IF NOT EXISTS `email` VARCHAR NULL AFTER `name`',
      'ALTER TABLE `ods`.`orders` MODIFY COLUMN `id` BIGINT NULL',
    ]);
    expect(plan.ods?.map((c) => c.name)).toEqual([
      'ts',
      'id',
      'name',
      'email',
      'is_deleted',
      '_seq',
      '_updated_at',
    ]);
  });

  it('carries the columns a first file adds into the plan for a second file of the batch', () => {
    const plan = planBatchSchema(target, layout, existing, [
      file('k1', [
        ['id', INT],
        ['email', STRING],
      ]),
      file('k2', [
        ['id', INT],
        ['email', STRING],
        ['phone', STRING],
      ]),
    ]);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.statements.filter((s) => s.startsWith('ALTER TABLE `raw`'))).toEqual([
      'ALTER TABLE `raw`.`orders` ADD COLUMN IF NOT EXISTS `email` VARCHAR NULL AFTER `name`',
      'ALTER TABLE `raw`.`orders` ADD COLUMN IF NOT EXISTS `phone` VARCHAR NULL AFTER `email`',
    ]);
  });

  it('refuses an incompatible change, naming the file', () => {
    const plan = planBatchSchema(target, layout, existing, [file('bad-key', [['name', INT]])]);
    expect(plan).toEqual({
      ok: false,
      file: 'bad-key',
      message:
        'table raw.orders cannot load bad-key: column "name" is VARCHAR in the table but INT in the file',
    });
  });

  it('plans raw only for a table without a key', () => {
    const plan = planBatchSchema({ ...target, withOds: false }, layout, { raw: [], ods: [] }, [
      file('k1', [['id', INT]]),
    ]);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.statements.filter((s) => s.includes('`ods`'))).toEqual([]);
    expect(plan.statements).toHaveLength(2);
    expect(plan.ods).toBeUndefined();
  });

  it('keeps before-image key columns in raw only, as the service does', () => {
    const plan = planBatchSchema(
      { ...target, rawOnlyColumns: ['BI_id'] },
      layout,
      { raw: [], ods: [] },
      [
        file('k1', [
          ['id', INT],
          ['BI_id', INT],
        ]),
      ],
    );
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.raw.map((c) => c.name)).toContain('BI_id');
    expect(plan.ods?.map((c) => c.name)).not.toContain('BI_id');
  });

  it('holds the first file of a new table to the same rules as later ones', () => {
    const plan = planBatchSchema(target, layout, { raw: [], ods: [] }, [
      file('first', [
        ['id', INT],
        ['_seq', STRING],
      ]),
    ]);
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.file).toBe('first');
    expect(plan.message).toContain('_seq');
  });
});
