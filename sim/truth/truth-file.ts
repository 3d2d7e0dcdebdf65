import { readFile, writeFile } from 'node:fs/promises';
import { defineTable, keyOf, type Row, type Table, type TableDef } from '../model/table.js';
import type { TableTruth, Truth } from './truth.js';

const FORMAT = 'dms-sim-truth/1';

/** The truth as a JSON document: table definitions and rows in canonical form. */
export interface TruthDocument {
  readonly format: typeof FORMAT;
  /** The unit DMS wrote timestamps in, which the comparison must allow for. */
  readonly timestampUnit: 'micros' | 'millis';
  readonly tables: readonly (TableDef & { readonly rows: readonly Row[] })[];
}

export function truthToDocument(truth: Truth, timestampUnit: 'micros' | 'millis'): TruthDocument {
  return {
    format: FORMAT,
    timestampUnit,
    tables: [...truth.values()].map(({ table, rows }) => ({
      schema: table.schema,
      name: table.name,
      columns: table.columns.map((c) => ({ name: c.name, type: c.typeText, nullable: c.nullable })),
      primaryKey: table.primaryKey,
      rows: [...rows.values()],
    })),
  };
}

export function truthFromDocument(doc: TruthDocument): Truth {
  if (doc.format !== FORMAT) throw new Error(`Not a truth file (format ${String(doc.format)})`);
  const out = new Map<string, TableTruth>();
  for (const t of doc.tables) {
    const table: Table = defineTable(t);
    const rows = new Map<string, Row>();
    for (const row of t.rows) rows.set(keyOf(table, row), row);
    out.set(`${table.schema}.${table.name}`, { table, rows });
  }
  return out;
}

export async function writeTruthFile(
  path: string,
  truth: Truth,
  timestampUnit: 'micros' | 'millis',
): Promise<void> {
  await writeFile(path, `${JSON.stringify(truthToDocument(truth, timestampUnit))}\n`, 'utf8');
}

export async function readTruthFile(
  path: string,
): Promise<{ truth: Truth; timestampUnit: 'micros' | 'millis' }> {
  const doc = JSON.parse(await readFile(path, 'utf8')) as TruthDocument;
  return { truth: truthFromDocument(doc), timestampUnit: doc.timestampUnit };
}
