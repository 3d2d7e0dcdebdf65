// Readable Parquet files whose contents break the contract: keys, Op values, types, names.
import { fileCase, type BadInputCase } from './case.js';
import { cdcFile, goodFile, parquet, TS } from './parquet.js';

const pausedSees = (reason: string): string =>
  `\`message poison\`, reason \`${reason}\`; \`table paused\`, \`tables_paused{table}\` = 1; the message ends in the dead-letter queue`;

const row = (extra: Record<string, unknown>) => ({
  Op: 'I',
  [TS]: '2024-01-01 00:00:30.000000',
  id: 1,
  ...extra,
});

export const fileCases: readonly BadInputCase[] = [
  fileCase({
    kind: 'file',
    name: 'a file without the primary-key column',
    expected: 'poison',
    sees: pausedSees('the file lacks primary-key column(s) id'),
    table: 'no_key_column',
    body: () =>
      parquet(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['name', 'string'],
        ],
        [{ Op: 'I', [TS]: '2024-01-01 00:00:30.000000', name: 'no id' }],
      ),
  }),
  fileCase({
    kind: 'file',
    name: 'an Op that is not I, U or D',
    expected: 'poison',
    sees: pausedSees('1 row(s) with an Op other than I, U or D'),
    table: 'op_x',
    body: () => cdcFile([{ op: 'X', id: 1, name: 'x' }]),
  }),
  fileCase({
    kind: 'file',
    name: 'a NULL Op',
    expected: 'poison',
    sees: pausedSees('1 row(s) with an Op other than I, U or D'),
    table: 'op_null',
    body: () => cdcFile([{ op: null, id: 1, name: 'null op' }]),
  }),
  fileCase({
    kind: 'file',
    name: 'a NULL primary-key value',
    expected: 'poison',
    sees: pausedSees('1 row(s) with a NULL primary-key column (id)'),
    table: 'null_key',
    body: () =>
      cdcFile([
        { op: 'I', id: 1, name: 'fine' },
        { op: 'I', id: null, name: 'no key' },
      ]),
  }),
  fileCase({
    kind: 'file',
    name: 'an incompatible column type change (VARCHAR to BIGINT)',
    expected: 'poison',
    sees: pausedSees('raw.<table>: … column "name" is VARCHAR in the table but BIGINT in the file'),
    table: 'type_change',
    before: [() => goodFile(2)],
    body: () =>
      parquet(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['id', 'int64'],
          ['name', 'int64'],
        ],
        [row({ name: 42 })],
      ),
  }),
  fileCase({
    kind: 'file',
    name: 'a column of a type Databend cannot load (Parquet TIME)',
    expected: 'poison',
    sees: pausedSees('column "at" cannot be loaded: Parquet TIME cannot be read by Databend (…)'),
    table: 'time_column',
    body: () =>
      parquet(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['id', 'int64'],
          ['at', 'time_ms'],
        ],
        [row({ at: 1_000 })],
      ),
  }),
  fileCase({
    kind: 'file',
    name: 'a nested column (Parquet LIST)',
    expected: 'poison',
    sees: pausedSees(
      'column "tags" cannot be loaded: nested and repeated fields are not supported (…)',
    ),
    table: 'list_column',
    body: () =>
      parquet(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['id', 'int64'],
          ['tags', 'list_int64'],
        ],
        [row({ tags: [1, 2] })],
      ),
  }),
  fileCase({
    kind: 'file',
    name: 'a column named like a lineage column (_seq)',
    expected: 'poison',
    sees: pausedSees('column "_seq" collides with a column the replicator owns'),
    table: 'reserved_name',
    body: () =>
      parquet(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['id', 'int64'],
          ['_seq', 'string'],
        ],
        [row({ _seq: 'mine' })],
      ),
  }),
  fileCase({
    kind: 'file',
    name: 'a column renamed only in case (name to Name)',
    expected: 'poison',
    sees: pausedSees(
      'column "Name" differs only in case from existing column "name" (a rename at the source?)',
    ),
    table: 'case_rename',
    before: [() => goodFile(2)],
    body: () =>
      parquet(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['id', 'int64'],
          ['Name', 'string'],
        ],
        [row({ Name: 'renamed' })],
      ),
  }),
];
