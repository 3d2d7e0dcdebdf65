// Bad and unusual SQS messages: not JSON, wrong shapes, events that are not ours, other envelopes.
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { eventBridgeBody, s3EventBody, snsWrapped } from '../../chaos/message-echo.js';
import { badKey, byKey, eventFor, messageCase, type BadInputCase } from './case.js';
import { goodFile } from './parquet.js';
import { filesLoaded, outcomes, type World } from './world.js';

const reasonIncludes = (text: string) => (line: { reason: string }) => line.reason.includes(text);

async function rowsAndLedger(world: World, table: string, key: string): Promise<[string, string]> {
  const { rawDatabase, controlDatabase } = world.config.databend;
  return [
    await world.scalar(`SELECT count(*)::STRING FROM \`${rawDatabase}\`.\`${table}\``),
    await world.scalar(
      `SELECT count(*)::STRING FROM \`${controlDatabase}\`.files WHERE object_key = '${key}'`,
    ),
  ];
}

/** A file announced by the given envelope; done when it loads once. */
function envelopeCase(
  name: string,
  table: string,
  sees: string,
  wrap: (world: World, put: { key: string; etag: string; size: number }) => string,
): BadInputCase {
  return {
    kind: 'message',
    name,
    expected: 'done',
    sees,
    run: async (world) => {
      const key = badKey(table);
      const put = await world.put(key, goodFile(3));
      return world.observe({
        inject: () => world.send(wrap(world, { key, ...put })),
        match: byKey(key),
        counter: filesLoaded(table),
      });
    },
  };
}

/** The same file announced twice (`copies` messages at once, or by S3 itself); loaded once. */
function loadedOnceCase(
  name: string,
  table: string,
  sees: string,
  announce: (world: World, key: string) => Promise<void>,
  key: string,
): BadInputCase {
  return {
    kind: 'message',
    name,
    expected: 'done',
    sees,
    run: (world) =>
      world.observe({
        inject: () => announce(world, key),
        match: byKey(key),
        counter: filesLoaded(table),
        then: async () => {
          // Let the second announcement arrive and be handled too.
          await new Promise((r) => setTimeout(r, 3_000));
          const [raw, ledger] = await rowsAndLedger(world, table, key);
          const problems: string[] = [];
          if (raw !== '4') problems.push(`raw holds ${raw} rows of a 4-row file`);
          if (ledger !== '1') problems.push(`the ledger lists the file ${ledger} times`);
          return problems;
        },
      }),
  };
}

export const messageCases: readonly BadInputCase[] = [
  messageCase({
    name: 'a message body that is not JSON',
    expected: 'poison',
    sees: '`message poison`, reason `malformed message: message body is not JSON: "…"`; after `maxReceiveCount` receives SQS moves it to the dead-letter queue',
    body: () => 'this is not json (catalogue m1)',
    match: reasonIncludes('catalogue m1'),
  }),
  messageCase({
    name: 'JSON that is not an S3 event',
    expected: 'poison',
    sees: '`message poison`, reason `malformed message: not an S3 event: no Records, no s3:TestEvent, no EventBridge detail-type`; then the dead-letter queue',
    body: () => JSON.stringify({ hello: 'world' }),
    match: reasonIncludes('not an S3 event'),
  }),
  messageCase({
    name: 'a JSON array instead of an object',
    expected: 'poison',
    sees: '`message poison`, reason `malformed message: message body is not a JSON object`; then the dead-letter queue',
    body: () => '[1, 2, 3]',
    match: reasonIncludes('message body is not a JSON object'),
  }),
  messageCase({
    name: 'an ObjectCreated record without s3.object',
    expected: 'poison',
    sees: '`message poison`, reason `malformed message: Records[0].s3.object is not a JSON object`; then the dead-letter queue',
    body: (world) =>
      JSON.stringify({
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            eventTime: new Date().toISOString(),
            s3: { bucket: { name: world.bucket } },
          },
        ],
      }),
    match: reasonIncludes('Records[0].s3.object is not a JSON object'),
  }),
  messageCase({
    name: 'a key that is not valid URL encoding (%ZZ)',
    expected: 'poison',
    sees: '`message poison`, reason `malformed message: Records[0]: key "…%ZZ…" is not valid URL encoding`; then the dead-letter queue',
    body: (world) =>
      s3EventBody({ bucket: world.bucket, key: 'x', etag: 'e', size: 1 }).replace(
        '"key":"x"',
        '"key":"bad%2Fm5%ZZ%2F20240101-000001000.parquet"',
      ),
    match: reasonIncludes('is not valid URL encoding'),
  }),
  messageCase({
    name: 'an SNS notification whose Message is not JSON',
    expected: 'poison',
    sees: '`message poison`, reason `malformed message: SNS Message is not JSON: "…"`; then the dead-letter queue',
    body: () => snsWrapped('not json either (catalogue m6)'),
    match: reasonIncludes('catalogue m6'),
  }),
  messageCase({
    name: 's3:TestEvent',
    expected: 'ignored',
    sees: '`message ignored`, reason `s3:TestEvent`; the message is deleted',
    body: (world) =>
      JSON.stringify({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: new Date().toISOString(),
        Bucket: world.bucket,
      }),
    // Exactly: the poison reason of a message that is no S3 event also names s3:TestEvent, and
    // that message comes back (SQS redelivers it toward the dead-letter queue) while this runs.
    match: (line) => line.reason === 's3:TestEvent',
  }),
  messageCase({
    name: 'an ObjectRemoved event',
    expected: 'ignored',
    sees: '`message ignored`, reason `no ObjectCreated records (ObjectRemoved:Delete)`; deleted',
    body: (world) =>
      s3EventBody({ bucket: world.bucket, key: badKey('removed'), etag: 'e', size: 1 }).replace(
        'ObjectCreated:Put',
        'ObjectRemoved:Delete',
      ),
    match: reasonIncludes('ObjectRemoved:Delete'),
  }),
  messageCase({
    name: 'an empty Records array',
    expected: 'ignored',
    sees: '`message ignored`, reason `no records`; deleted',
    body: () => JSON.stringify({ Records: [] }),
    match: reasonIncludes('no records'),
  }),
  messageCase({
    name: 'an EventBridge event that is not Object Created',
    expected: 'ignored',
    sees: '`message ignored`, reason `EventBridge Object Deleted`; deleted',
    body: (world) =>
      eventBridgeBody({
        bucket: world.bucket,
        key: badKey('eb_deleted'),
        etag: 'e',
        size: 1,
      }).replace('"Object Created"', '"Object Deleted"'),
    match: reasonIncludes('EventBridge Object Deleted'),
  }),
  messageCase({
    name: 'an event for another bucket',
    expected: 'ignored',
    sees: '`message ignored`, reason `bucket some-other-bucket is not <s3.bucket>`; deleted',
    body: () =>
      s3EventBody({
        bucket: 'some-other-bucket',
        key: badKey('elsewhere'),
        etag: 'e',
        size: 1,
      }),
    match: reasonIncludes('bucket some-other-bucket is not'),
    counter: () => outcomes('ignored'),
  }),
  envelopeCase(
    'an S3 event wrapped in SNS',
    'sns_wrapped',
    '`message done`; the file loads as from a plain S3 event',
    (world, put) => snsWrapped(s3EventBody({ bucket: world.bucket, ...put })),
  ),
  envelopeCase(
    'an EventBridge Object Created event',
    'eventbridge',
    '`message done`; the file loads as from a plain S3 event',
    (world, put) => eventBridgeBody({ bucket: world.bucket, ...put }),
  ),
  loadedOnceCase(
    'the same message delivered twice',
    'twice',
    'two `message done` lines (the second `already in the ledger`, or both from one batch); raw and the ledger hold the file once',
    async (world, key) => {
      const { event } = await eventFor(world, key, goodFile(4));
      await Promise.all([world.send(event), world.send(event)]);
    },
    badKey('twice'),
  ),
  loadedOnceCase(
    'a multipart upload announced twice (ObjectCreated:Put and :CompleteMultipartUpload, as moto sends)',
    'multipart',
    'one `message done` per event; raw and the ledger hold the file once',
    async (world, key) => {
      // Under live/, so S3 itself sends the events.
      const s3 = world.parts.s3;
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: world.bucket, Key: key }),
      );
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: world.bucket,
          Key: key,
          UploadId,
          PartNumber: 1,
          Body: goodFile(4),
        }),
      );
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: world.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
    },
    'live/multipart/20240101-000001000.parquet',
  ),
];
