import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { collisionMessage, findCollisions } from '../../src/ingest/target-collisions.js';

const tables = (
  naming: 'table' | 'schema_table',
  byName: Config['tables']['byName'] = {},
): Config['tables'] => ({ naming, byName, defaultPrimaryKey: undefined });

const shards = [
  { schema: 'shard1', table: 'orders' },
  { schema: 'shard2', table: 'orders' },
  { schema: 'shard1', table: 'customers' },
];

describe('two sources routed to one target', () => {
  it('are found with naming: table', () => {
    expect(findCollisions(tables('table'), shards)).toEqual([
      { target: 'orders', sources: ['shard1.orders', 'shard2.orders'] },
    ]);
  });

  it('are kept apart by naming: schema_table or a targetName', () => {
    expect(findCollisions(tables('schema_table'), shards)).toEqual([]);
    expect(
      findCollisions(
        tables('table', { 'shard2.orders': { targetName: 'orders_2', columnTypes: {} } }),
        shards,
      ),
    ).toEqual([]);
  });

  it('are refused with a message naming both sources and the settings that separate them', () => {
    expect(collisionMessage(tables('table'), 'orders', 'shard1.orders', 'shard2.orders')).toBe(
      'shard2.orders and shard1.orders both map to the Databend table orders (tables.naming: table); ' +
        'their keys would overwrite each other. Keep them apart with tables.naming: schema_table, ' +
        'or tables.byName["shard2.orders"].targetName',
    );
  });
});
