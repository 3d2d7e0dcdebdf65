// The guide's one-time setup for the benchmark's tables: a stage over its own bucket and, per
// table, its raw and ODS tables with the columns of the table's files (the guide writes them by
// hand from Appendix B; the service's type map gives the same types).
import type { Connection } from 'databend-driver';
import { formatDatabendType } from '../../src/schema/databend-type.js';
import { readParquetSchema } from '../../src/schema/parquet-footer.js';
import { fileRangeReader } from '../../src/schema/range-reader.js';
import { mapParquetColumns } from '../../src/schema/type-map.js';
import { createStageSql } from '../../src/control/stage-sql.js';
import type { Table } from '../../sim/index.js';
import type { BenchFile } from '../workload/write-files.js';
import type { GuideTableRun } from './guide-runner.js';
import { guideTablesSql } from './guide-sql.js';

export interface GuideSetup {
  readonly bucket: string;
  readonly stage: string;
  readonly stageConnection: Readonly<Record<string, string>>;
  readonly rawDatabase: string;
  readonly odsDatabase: string;
  readonly opColumn: string;
  readonly timestampColumn: string;
}

export async function setupGuide(
  conn: Connection,
  setup: GuideSetup,
  tables: readonly Table[],
  files: readonly BenchFile[],
): Promise<GuideTableRun[]> {
  await conn.exec(createStageSql(setup.stage, setup.bucket, setup.stageConnection));
  const runs: GuideTableRun[] = [];
  for (const table of tables) {
    const qualifiedName = `${table.schema}.${table.name}`;
    const sample = files.find((f) => f.table === qualifiedName);
    if (sample === undefined) throw new Error(`no file of ${qualifiedName}`);
    const schema = await readParquetSchema(fileRangeReader(sample.path), sample.bytes);
    const columns = mapParquetColumns(schema.columns)
      .columns.filter((c) => c.name !== setup.opColumn && c.name !== setup.timestampColumn)
      .map((c) => ({ name: c.name, type: formatDatabendType(c.databendType) }));
    const sql = {
      rawDatabase: setup.rawDatabase,
      odsDatabase: setup.odsDatabase,
      table: table.name,
      columns,
      primaryKey: table.primaryKey,
      opColumn: setup.opColumn,
      timestampColumn: setup.timestampColumn,
      deleteStamp: columns.some((c) => c.name === 'updated_at') ? 'updated_at' : undefined,
    };
    for (const statement of guideTablesSql(sql)) await conn.exec(statement);
    runs.push({ sql, folder: `${table.schema}/${table.name}` });
  }
  return runs;
}
