// Full-load files overtaken by a reload: the old generation's events, still queued. Both are
// ignored, and both begin the new generation (a reload is a snapshot once it is complete).
import { s3EventBody } from '../../chaos/message-echo.js';
import { byKey, type BadInputCase } from './case.js';
import { goodFile } from './parquet.js';
import { outcomes, series, World } from './world.js';

const loadKey = (table: string): string => `bad/${table}/LOAD00000001.parquet`;

/** Waits a few seconds for `reloads_seen_total{table}` to reach 1. */
async function reloadSeen(world: World, table: string): Promise<string[]> {
  const name = series('bend_replicator_reloads_seen_total', { table });
  for (let i = 0; i < 40; i++) {
    if ((await world.metrics()).get(name) === 1) return [];
    await new Promise((r) => setTimeout(r, 250));
  }
  return [`${name} is not 1: the reload was not seen`];
}

export const reloadCases: readonly BadInputCase[] = [
  {
    kind: 'object',
    name: 'a LOAD file whose key a reload rewrote before its (queued) event was read',
    expected: 'ignored',
    sees: '`message ignored`, reason `… no longer has the expected ETag (it was replaced)`; `a new full load of <schema.table> began (a queued LOAD file was replaced)` and `reloads_seen_total{table}` + 1; the new version loads from its own event, and the generation is applied as a snapshot once complete',
    run: async (world) => {
      const key = loadKey('reloaded');
      const old = goodFile(2, 1);
      await world.put(key, goodFile(3, 10));
      return world.observe({
        inject: () =>
          world.send(
            s3EventBody({ bucket: world.bucket, key, etag: World.etagOf(old), size: old.length }),
          ),
        match: byKey(key),
        counter: outcomes('ignored'),
        then: () => reloadSeen(world, 'reloaded'),
      });
    },
  },
  {
    kind: 'object',
    name: 'an ObjectRemoved event of a LOAD file (DMS emptied the table folder: DROP_AND_CREATE, TRUNCATE)',
    expected: 'ignored',
    sees: '`message ignored`, reason `no ObjectCreated records (ObjectRemoved:Delete)`; `a new full load of <schema.table> began (its LOAD files were removed)` and `reloads_seen_total{table}` + 1; a table empty at its reload is complete at the next CDC file (or by `reload --table T --complete`)',
    run: async (world) => {
      const body = s3EventBody({
        bucket: world.bucket,
        key: loadKey('emptied'),
        etag: 'e',
        size: 1,
      }).replace('ObjectCreated:Put', 'ObjectRemoved:Delete');
      return world.observe({
        inject: () => world.send(body),
        match: (line) => line.reason.includes('ObjectRemoved:Delete'),
        counter: outcomes('ignored'),
        then: () => reloadSeen(world, 'emptied'),
      });
    },
  },
];
