// Names: keys outside the layout, tables without a key, encoded keys, SQL metacharacters.
import { quoteIdent } from '../../../src/databend/quote.js';
import { byKey, type BadInputCase } from './case.js';
import { goodFile, parquet, TS } from './parquet.js';
import { filesLoaded, outcomes, series, type World } from './world.js';

/** A key that does not notify by itself, announced by the case. */
function ignoredKeyCase(name: string, key: string, sees: string): BadInputCase {
  return {
    kind: 'name',
    name,
    expected: 'ignored',
    sees,
    run: (world) =>
      world.observe({
        inject: async () => {
          await world.putAndAnnounce(key, goodFile(1));
        },
        match: byKey(key),
        counter: outcomes('ignored'),
      }),
  };
}

export const WEIRD = {
  schema: "we'ird;--",
  table: 'ta`b"le',
  columns: ['co"l;--', "it's", 'a`b', 'semi;colon', 'x--y'] as const,
};

async function weirdOdsRow(world: World): Promise<string[]> {
  const select = WEIRD.columns.map((c) => `${quoteIdent(c)}::STRING`).join(', ');
  const row = await world.parts.conn.queryRow(
    `SELECT ${select} FROM ${quoteIdent(world.config.databend.odsDatabase)}.${quoteIdent(WEIRD.table)} WHERE id = 7`,
  );
  return (row?.values() ?? []).map(String);
}

export const nameCases: readonly BadInputCase[] = [
  ignoredKeyCase(
    'a key outside the DMS layout',
    'bad/readme.parquet',
    '`message ignored`, reason `key outside the DMS layout: key has fewer than three segments …`; deleted',
  ),
  ignoredKeyCase(
    'a file name that is neither LOAD nor a CDC time',
    'bad/strange/notes.parquet',
    '`message ignored`, reason `key outside the DMS layout: key has a file name that is neither LOAD<8 hex> nor YYYYMMDD-HHMMSSmmm: notes.parquet`; deleted',
  ),
  ignoredKeyCase(
    'a CDC file name that is not a valid time',
    'bad/strange/20241399-256199000.parquet',
    '`message ignored`, reason `key outside the DMS layout: key has a CDC file name that is not a valid timestamp: …`; deleted',
  ),
  {
    kind: 'name',
    name: 'a table no primary key is configured for',
    expected: 'done',
    sees: '`message done`, reason `loaded to raw only: no primary key is configured for nokey.events`; a `no primary key configured` warning and `files_raw_only_total{table}`; no ODS table until a key is configured (then `replay` builds it)',
    run: async (world) => {
      const key = 'nokey/events/20240101-000001000.parquet';
      const counter = series('bend_replicator_files_raw_only_total', { table: 'events' });
      const observed = await world.observe({
        inject: async () => {
          await world.putAndAnnounce(key, goodFile(3));
        },
        match: byKey(key),
        counter,
      });
      const { rawDatabase, odsDatabase } = world.config.databend;
      const raw = await world.scalar(`SELECT count(*)::STRING FROM \`${rawDatabase}\`.events`);
      const ods = await world.scalar(
        `SELECT count(*)::STRING FROM system.tables WHERE database = '${odsDatabase}' AND name = 'events'`,
      );
      const warned = world.parts.service.lines.some(
        (l) => l.includes('"level":"warn"') && l.includes('no primary key'),
      );
      const problems = [
        ...(raw === '3' ? [] : [`raw holds ${raw} rows, not 3`]),
        ...(ods === '0' ? [] : ['an ODS table was created']),
        ...(warned ? [] : ['no warning line about the missing primary key']),
      ];
      return { ...observed, problems: [...observed.problems, ...problems] };
    },
  },
  {
    kind: 'name',
    name: 'a key with a space, + and % (S3 sends it as + and %XX)',
    expected: 'done',
    sees: '`message done`; the key is decoded (`+` is a space, `%2B` a plus) and the table is named `a b+c%d`',
    run: (world) => {
      // Under live/, so S3 itself encodes the key in its event.
      const key = 'live/a b+c%d/20240101-000001000.parquet';
      return world.observe({
        inject: async () => {
          await world.put(key, goodFile(2));
        },
        match: byKey(key),
        counter: filesLoaded('a b+c%d'),
      });
    },
  },
  {
    kind: 'name',
    name: 'SQL metacharacters in schema, table and column names',
    expected: 'done',
    sees: '`message done`; every name is quoted: the table `ta`b"le` of schema `we\'ird;--` has the columns `co"l;--`, `it\'s`, `a`b`, `semi;colon` and `x--y`',
    run: (world) => {
      const key = `${WEIRD.schema}/${WEIRD.table}/20240101-000001000.parquet`;
      const values = ["o'clock", 'back`tick', '--', ';', 'DROP TABLE x; --'];
      return world.observe({
        inject: async () => {
          await world.putAndAnnounce(
            key,
            parquet(
              [
                ['Op', 'string'],
                [TS, 'string'],
                ['id', 'int64'],
                ...WEIRD.columns.map((c) => [c, 'string'] as const),
              ],
              [
                {
                  Op: 'I',
                  [TS]: '2024-01-01 00:00:01.000000',
                  id: 7,
                  ...Object.fromEntries(WEIRD.columns.map((c, i) => [c, values[i]])),
                },
              ],
            ),
          );
        },
        match: byKey(key),
        counter: filesLoaded(WEIRD.table),
        then: async () => {
          const row = await weirdOdsRow(world).catch((e: unknown) => [String(e)]);
          return JSON.stringify(row) === JSON.stringify(values)
            ? []
            : [`ODS row is ${JSON.stringify(row)}, not ${JSON.stringify(values)}`];
        },
      });
    },
  },
  {
    kind: 'name',
    name: 'two source tables routed to one target (twin1.shared and twin2.shared, naming: table)',
    expected: 'poison',
    sees: '`message poison`, reason `twin2.shared and twin1.shared both map to the Databend table shared (tables.naming: table); their keys would overwrite each other. Keep them apart with tables.naming: schema_table, or tables.byName["twin2.shared"].targetName`; the table is not paused (twin1.shared goes on); the message ends in the dead-letter queue; `validate` (check `targets`) and `plan` refuse the pair too',
    run: async (world) => {
      const first = 'twin1/shared/20240101-000001000.parquet';
      const since = world.mark;
      await world.putAndAnnounce(first, goodFile(1, 1));
      await world.waitForOutcome(since, byKey(first));
      const second = 'twin2/shared/20240101-000001000.parquet';
      return world.observe({
        inject: async () => {
          await world.putAndAnnounce(second, goodFile(1, 1));
        },
        match: byKey(second),
        counter: outcomes('poison'),
        then: async () => {
          const problems: string[] = [];
          const state = (await world.metrics()).get(
            series('bend_replicator_tables_paused', { table: 'shared' }),
          );
          if (state === 1) problems.push('the table of twin1.shared was paused');
          const rows = await world.scalar(
            `SELECT count(*)::STRING FROM ${quoteIdent(world.config.databend.rawDatabase)}.shared`,
          );
          if (rows !== '1') problems.push(`raw.shared holds ${rows} rows, not twin1's one`);
          return problems;
        },
      });
    },
  },
];
