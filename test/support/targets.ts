// What one test file creates on the local stack, cleaned up in one place: a connection opened
// before its tests, replicators stopped after each test, every target's databases dropped after
// all of them.
import type { Connection } from 'databend-driver';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../src/config.js';
import { dropTargetDatabases, testTarget, type TestTarget } from './pipeline.js';
import { Replicator } from './replicator.js';
import { connect } from './stack.js';

export interface TestTargets {
  /** The file's connection; open from beforeAll on. */
  readonly conn: Connection;
  /** testTarget, its databases dropped after all tests. */
  target(...args: Parameters<typeof testTarget>): Promise<TestTarget>;
  /** Drops this configuration's databases after all tests too (one derived from a target). */
  track(config: Config): Config;
  /** A replicator for the configuration, stopped after the test; not started yet. */
  replicator(config: Config): Replicator;
  /** The same, started. */
  started(config: Config): Replicator;
}

/** Registers the hooks; call it at the top level of a test file. */
export function useTestTargets(): TestTargets {
  let conn: Connection | undefined;
  const configs: Config[] = [];
  const running: Replicator[] = [];

  beforeAll(async () => {
    conn = await connect();
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
  });
  afterAll(async () => {
    for (const r of running.splice(0)) await r.stop();
    if (conn === undefined) return;
    for (const config of configs) await dropTargetDatabases(conn, config);
    await conn.close();
  });

  const replicator = (config: Config): Replicator => {
    const r = new Replicator(config);
    running.push(r);
    return r;
  };
  return {
    get conn(): Connection {
      if (conn === undefined) throw new Error('the connection opens in beforeAll');
      return conn;
    },
    target: async (...args) => {
      const target = await testTarget(...args);
      configs.push(target.config);
      return target;
    },
    track: (config) => {
      configs.push(config);
      return config;
    },
    replicator,
    started: (config) => {
      const r = replicator(config);
      r.start();
      return r;
    },
  };
}
