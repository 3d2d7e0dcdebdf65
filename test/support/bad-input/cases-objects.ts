// Bad objects: not Parquet, empty, cut short, gone, replaced.
import { s3EventBody } from '../../chaos/message-echo.js';
import { badKey, byKey, fileCase, type BadInputCase } from './case.js';
import { goodFile, withCutDataPages, withoutFooter } from './parquet.js';
import { outcomes, World } from './world.js';

const pausedSees = (reason: string): string =>
  `\`message poison\`, reason \`${reason}\`; \`table paused\` and \`tables_paused{table}\` = 1 (or, with \`poison.mode: park\`, the file is left and the table goes on); the message ends in the dead-letter queue`;

export const objectCases: readonly BadInputCase[] = [
  fileCase({
    kind: 'object',
    name: 'an object that is not Parquet',
    expected: 'poison',
    sees: pausedSees('not a readable Parquet file: …'),
    table: 'not_parquet',
    body: () => 'id,name\n1,csv pretending to be parquet\n',
  }),
  fileCase({
    kind: 'object',
    name: 'a zero-byte object',
    expected: 'poison',
    sees: pausedSees('not a readable Parquet file: …'),
    table: 'zero_bytes',
    body: () => '',
  }),
  fileCase({
    kind: 'object',
    name: 'Parquet cut short: the header, no footer',
    expected: 'poison',
    sees: pausedSees('not a readable Parquet file: …'),
    table: 'no_footer',
    body: () => withoutFooter(goodFile(200)),
  }),
  fileCase({
    kind: 'object',
    name: 'Parquet with its footer intact and data pages cut out',
    expected: 'poison',
    sees: pausedSees('Databend rejected the file: …'),
    table: 'cut_pages',
    body: () => withCutDataPages(goodFile(200)),
  }),
  {
    kind: 'object',
    name: 'an object deleted before it is read',
    expected: 'ignored',
    sees: '`message ignored`, reason `s3://<bucket>/<key> does not exist`; deleted (a later file with the same key has its own event)',
    run: async (world) => {
      const key = badKey('deleted');
      const put = await world.put(key, goodFile(2));
      await world.delete(key);
      return world.observe({
        inject: () => world.send(s3EventBody({ bucket: world.bucket, key, ...put })),
        match: byKey(key),
        counter: outcomes('ignored'),
      });
    },
  },
  {
    kind: 'object',
    name: 'a stale ETag: the object was overwritten before it was read',
    expected: 'ignored',
    sees: '`message ignored`, reason `… no longer has the expected ETag (it was replaced)`; the new version loads from its own event',
    run: async (world) => {
      const key = badKey('overwritten');
      const old = goodFile(2, 1);
      const current = goodFile(3, 10);
      const put = await world.put(key, current);
      const staleEvent = s3EventBody({
        bucket: world.bucket,
        key,
        etag: World.etagOf(old),
        size: old.length,
      });
      const observed = await world.observe({
        inject: () => world.send(staleEvent),
        match: byKey(key),
        counter: outcomes('ignored'),
      });
      // The current version still loads from its own event.
      const since = world.mark;
      await world.send(s3EventBody({ bucket: world.bucket, key, ...put }));
      const loaded = await world.waitForOutcome(since, byKey(key));
      const rows = await world.scalar(
        `SELECT count(*)::STRING FROM \`${world.config.databend.rawDatabase}\`.overwritten`,
      );
      const problems =
        loaded?.outcome === 'done' && rows === '3'
          ? []
          : [`the current version did not load alone (${loaded?.outcome}, ${rows} rows)`];
      return { ...observed, problems: [...observed.problems, ...problems] };
    },
  },
];
