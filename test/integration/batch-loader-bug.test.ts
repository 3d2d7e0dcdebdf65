// A defect inside a batch is a bug, not bad input: the file is retried, never poisoned as
// "Databend rejected the file", and the error is logged with its stack.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchFailed, PipelineEvents } from '../../src/events.js';
import { fileId } from '../../src/files/file-ref.js';
import { logPipelineEvents } from '../../src/logger.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { goodFile, TS } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';

/** Schemas whose step fails the way a slip in the code would. */
class BrokenSchemas extends TableSchemas {
  override ensure(): never {
    throw new TypeError("Cannot read properties of undefined (reading 'name')");
  }
}

let fixture: LoaderFixture;

beforeAll(async () => {
  fixture = await loaderFixture('loaderbug', { 'shop.orders': { primaryKey: ['id'] } });
});

afterAll(() => fixture.close());

describe('a TypeError inside a batch', () => {
  it('is reported as a bug with its stack and the file is retried, not poisoned', async () => {
    const events = new PipelineEvents();
    const failures: BatchFailed[] = [];
    events.on('batch:failed', (e) => failures.push(e));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    logPipelineEvents(events, logger);
    const loader = fixture.newLoader({
      events,
      logger,
      schemas: new BrokenSchemas({ opColumn: 'Op', timestampColumn: TS }),
    });
    const file = await fixture.put('shop/orders/20240101-000001000.parquet', goodFile(2));

    const outcome = (await loader.load([file])).get(fileId(file.ref));

    expect(outcome?.kind).toBe('retry');
    expect(outcome?.reason).not.toContain('Databend');
    expect(outcome?.reason).toContain("internal error, not the file's");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ bug: true, transient: true, table: 'orders' });
    const logged = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { stack?: string } })
      .find((l) => l.msg.includes('internal error'));
    expect(logged?.level).toBe(50);
    expect(logged?.err?.stack).toContain('TypeError: Cannot read properties of undefined');
    expect(logged?.err?.stack).toContain('BrokenSchemas.ensure');
    // Nothing of the file was written: it is still to be loaded.
    expect(
      await fixture.scalar(
        `SELECT count(*) FROM ${fixture.target.config.databend.controlDatabase}.files`,
      ),
    ).toBe('0');
  });
});
