import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PipelineEvents } from '../../src/events.js';
import { createLogger, flushLogger, logPipelineEvents } from '../../src/logger.js';

function capture(level: 'info' | 'debug' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level, destination }) };
}

describe('logger', () => {
  it('writes JSON lines with a level name and an ISO time', () => {
    const { lines, logger } = capture();
    logger.info({ table: 'orders' }, 'hello');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello', table: 'orders' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts credentials at any depth', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        dsn: 'databend://u:p@h',
        config: {
          databend: {
            dsn: 'databend://u:p@h',
            stageConnection: { access_key_id: 'AKIA', secret_access_key: 'shh' },
          },
        },
        aws: { credentials: { secretAccessKey: 'shh', accessKeyId: 'AKIA' } },
        headers: { authorization: 'Bearer t' },
        password: 'p',
        token: 't',
      },
      'secrets',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['databend://u:p@h', 'AKIA', 'shh', 'Bearer t'])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: '***', token: '***', dsn: '***' });
  });

  it('scrubs URL credentials out of error messages and stacks', () => {
    const { lines, logger } = capture();
    const error = new Error('login failed for databend+http://root:hunter2@db:8000/default');
    logger.error({ err: error }, 'failed');
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('databend+http://root:***@db:8000/default');
  });

  it('logs errors that are not Error objects as they are', () => {
    const { lines, logger } = capture();
    logger.error({ err: { code: 4001 } }, 'odd');
    expect(lines[0]).toMatchObject({ err: { code: 4001 } });
  });

  it('flushes without hanging', async () => {
    const { logger } = capture();
    await expect(flushLogger(logger)).resolves.toBeUndefined();
  });
});

describe('logPipelineEvents', () => {
  it('writes one line per committed batch with table, files, rows and durations', () => {
    const { lines, logger } = capture();
    const events = new PipelineEvents();
    logPipelineEvents(events, logger);
    events.emit('batch:committed', {
      table: 'orders',
      batchId: 'b-7',
      files: 2,
      rows: { I: 5, U: 1, D: 1 },
      rowsMerged: 6,
      copyMs: 120,
      mergeMs: 80,
      totalMs: 230,
      newestCommitTime: new Date('2026-03-01T12:00:00Z'),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      module: 'pipeline',
      msg: 'batch committed',
      table: 'orders',
      batch: 'b-7',
      files: 2,
      rows: { I: 5, U: 1, D: 1 },
      copyMs: 120,
      mergeMs: 80,
      totalMs: 230,
      newestCommitTime: '2026-03-01T12:00:00.000Z',
    });
  });

  it('logs each outcome at a level that matches its gravity', () => {
    const { lines, logger } = capture();
    const events = new PipelineEvents();
    logPipelineEvents(events, logger);
    events.emit('file:outcome', { table: 't', outcome: 'done', reason: 'loaded' });
    events.emit('file:outcome', { outcome: 'ignored', reason: 's3:TestEvent' });
    events.emit('file:outcome', { table: 't', outcome: 'retry', reason: 'conflict' });
    events.emit('file:outcome', { table: 't', outcome: 'poison', reason: 'not parquet', key: 'k' });
    expect(lines.map((l) => [l.level, l.outcome])).toEqual([
      ['info', 'done'],
      ['info', 'ignored'],
      ['warn', 'retry'],
      ['error', 'poison'],
    ]);
  });

  it('logs a transient batch failure as a warning and a permanent one as an error', () => {
    const { lines, logger } = capture();
    const events = new PipelineEvents();
    logPipelineEvents(events, logger);
    const base = { table: 't', batchId: 'b', error: new Error('[4001] conflict'), attempt: 1 };
    events.emit('batch:failed', { ...base, transient: true });
    events.emit('batch:failed', { ...base, transient: false });
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
    expect(lines[0]).toMatchObject({ err: { message: '[4001] conflict' } });
  });

  it('stops logging after unsubscribe', () => {
    const { lines, logger } = capture();
    const events = new PipelineEvents();
    logPipelineEvents(events, logger)();
    events.emit('table:resumed', { table: 't' });
    expect(lines).toHaveLength(0);
  });
});
