// A source `ALTER TABLE … ADD COLUMN` in the middle of the stream, through the running service:
// later files carry the column, raw and ODS gain it with no human step, rows from before the
// change hold NULL, and ODS equals the source.
import { describe, expect, it } from 'vitest';
import { ADDED_COLUMN, catalogTables } from '../../sim/index.js';
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
import { tableSettings, waitForConvergence } from '../support/replicator.js';
import { columnNames, countOf, simulatedFiles } from '../support/schema-scenario.js';
import { useTestTargets } from '../support/targets.js';

const targets = useTestTargets();

describe('a column added at the source mid-stream', () => {
  it(
    'reaches raw and ODS; earlier rows hold NULL; ODS equals the source',
    { timeout: 240_000 },
    async () => {
      const tables = catalogTables('shop', 2);
      const { config, pipe } = await targets.target('addcol', tableSettings(tables));
      const { rawDatabase, odsDatabase } = config.databend;
      const source = await simulatedFiles(
        pipe.bucket,
        {
          seed: 41,
          durationSeconds: 30,
          transactionsPerSecond: 10,
          initialRows: 40,
          tables,
          addColumn: { table: 'customers', column: ADDED_COLUMN, atFraction: 0.5 },
        },
        { cdcMaxBatchInterval: 5 },
      );
      const column = ADDED_COLUMN.name;
      const customerFiles = source.simulation.files.filter((f) => f.table === 'shop.customers');
      const without = customerFiles.filter((f) => !f.columns.some((c) => c.name === column));
      const withColumn = customerFiles.filter((f) => f.columns.some((c) => c.name === column));
      expect(without.length).toBeGreaterThan(1);
      expect(withColumn.length).toBeGreaterThan(1);

      targets.started(config);
      await source.deliver(undefined, { seed: 9, reorderWindow: 4 });
      const result = await waitForConvergence(targets.conn, source.simulation, config);
      expect(result.report).toBe('all 2 tables equal');

      // The column sits after the business columns, before lineage and state, in both layers.
      const rawColumns = await columnNames(targets.conn, rawDatabase, 'customers');
      expect(rawColumns.slice(-6)).toEqual([
        column,
        '_file',
        '_row',
        '_seq',
        '_batch',
        '_loaded_at',
      ]);
      const odsColumns = await columnNames(targets.conn, odsDatabase, 'customers');
      expect(odsColumns.slice(-4)).toEqual([column, 'is_deleted', '_seq', '_updated_at']);
      // The other table is untouched.
      expect(await columnNames(targets.conn, odsDatabase, 'orders')).not.toContain(column);

      const raw = qualified(rawDatabase, 'customers');
      const ref = quoteIdent(column);
      const filesIn = (files: typeof without) =>
        `(${files.map((f) => quoteString(f.key)).join(', ')})`;
      expect(
        await countOf(
          targets.conn,
          `${raw} WHERE _file IN ${filesIn(without)} AND ${ref} IS NOT NULL`,
        ),
      ).toBe(0);
      expect(
        await countOf(targets.conn, `${raw} WHERE _file IN ${filesIn(without)}`),
      ).toBeGreaterThan(0);
      expect(
        await countOf(
          targets.conn,
          `${raw} WHERE _file IN ${filesIn(withColumn)} AND ${ref} IS NOT NULL`,
        ),
      ).toBeGreaterThan(0);

      // Live rows whose last change predates the column hold NULL there, as at the source.
      const ods = qualified(odsDatabase, 'customers');
      const truthRows = [...(source.simulation.truth.get('shop.customers')?.rows.values() ?? [])];
      const nullAtSource = truthRows.filter((r) => r[column] === null).length;
      expect(nullAtSource).toBeGreaterThan(0);
      expect(await countOf(targets.conn, `${ods} WHERE NOT is_deleted AND ${ref} IS NULL`)).toBe(
        nullAtSource,
      );
    },
  );
});
