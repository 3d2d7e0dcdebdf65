// The shape of a bad-input case, and the file-based case most of the catalogue is made of.
import { s3EventBody } from '../../chaos/message-echo.js';
import {
  filesLoaded,
  outcomes,
  series,
  type Observation,
  type OutcomeLine,
  type World,
} from './world.js';

export type CaseKind = 'message' | 'object' | 'file' | 'name' | 'transient' | 'configuration';

export interface BadInputCase {
  readonly kind: CaseKind;
  readonly name: string;
  /** done | ignored | retry | poison, `config error: <field>` or `start-up fails`. */
  readonly expected: string;
  /** What the operator sees (for docs/bad-input.md). */
  readonly sees: string;
  readonly run: (world: World) => Promise<Observation>;
}

/** Where files of a case go: `bad/<table>/…` does not notify, so each case sends its own event. */
export const badKey = (table: string, second = 1): string =>
  `bad/${table}/20240101-0000${String(second).padStart(2, '0')}000.parquet`;

export const paused = (table: string): string => series('bend_replicator_tables_paused', { table });

/** The counter a file outcome moves: files loaded for done, the outcome counter otherwise. */
export function counterFor(outcome: string, table: string): string {
  return outcome === 'done' ? filesLoaded(table) : outcomes(outcome);
}

export const byKey =
  (key: string) =>
  (line: OutcomeLine): boolean =>
    line.key === key;

/**
 * A file put under `bad/<table>/` and announced by a plain S3 event; the outcome is read from the
 * log line naming its key. Poison must also pause the table (the default poison mode).
 */
export function fileCase(c: {
  kind: CaseKind;
  name: string;
  expected: string;
  sees: string;
  table: string;
  body: () => Buffer | string;
  /** Files that must load first (e.g. the table's first schema). */
  before?: readonly (() => Buffer)[];
  then?: (world: World, key: string) => Promise<string[]>;
}): BadInputCase {
  return {
    kind: c.kind,
    name: c.name,
    expected: c.expected,
    sees: c.sees,
    run: async (world) => {
      for (const [i, body] of (c.before ?? []).entries()) {
        const key = badKey(c.table, 1 + i);
        const since = world.mark;
        await world.putAndAnnounce(key, body());
        await world.waitForOutcome(since, byKey(key));
      }
      const key = badKey(c.table, 30);
      const body = c.body();
      return world.observe({
        inject: async () => {
          await world.putAndAnnounce(key, body);
        },
        match: byKey(key),
        counter: counterFor(c.expected, c.table),
        then: async () => {
          const problems: string[] = [];
          if (c.expected === 'poison') {
            const state = (await world.metrics()).get(paused(c.table));
            if (state !== 1) problems.push(`tables_paused{table="${c.table}"} is ${state}, not 1`);
          }
          return [...problems, ...((await c.then?.(world, key)) ?? [])];
        },
      });
    },
  };
}

/** A message sent as is; its outcome line is the first that `match` accepts. */
export function messageCase(c: {
  name: string;
  expected: string;
  sees: string;
  body: (world: World) => string;
  match: (line: OutcomeLine) => boolean;
  counter?: (world: World) => string;
}): BadInputCase {
  return {
    kind: 'message',
    name: c.name,
    expected: c.expected,
    sees: c.sees,
    run: (world) =>
      world.observe({
        inject: () => world.send(c.body(world)),
        match: c.match,
        counter: c.counter?.(world) ?? outcomes(c.expected),
      }),
  };
}

/** An S3 event for a file under `bad/<table>/` that the case puts first (no notification). */
export async function eventFor(
  world: World,
  key: string,
  body: Buffer,
): Promise<{ etag: string; size: number; event: string }> {
  const put = await world.put(key, body);
  return { ...put, event: s3EventBody({ bucket: world.bucket, key, ...put }) };
}
