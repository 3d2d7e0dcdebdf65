import { describe, expect, it } from 'vitest';

import { parseEventTime, parseS3Message, type ParsedS3Message } from '../../src/ingest/s3-event.js';

function awsRecord(overrides: Record<string, unknown> = {}, object: Record<string, unknown> = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-west-2',
    eventTime: '2024-06-12T10:31:25.108Z',
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AIDAJDPLRKLG7UEXAMPLE' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'dms',
      bucket: { name: 'mybucket', arn: 'arn:aws:s3:::mybucket' },
      object: {
        key: 'dms/shop/order+items/20240612-103125108.parquet',
        size: 1024,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: '0055AED6DCD90281E5',
        ...object,
      },
    },
    ...overrides,
  };
}

function files(result: ParsedS3Message) {
  if (result.kind !== 'files') throw new Error(`expected files, got ${JSON.stringify(result)}`);
  return result.files;
}

describe('parseS3Message with S3 event notifications', () => {
  it('returns the file of an ObjectCreated:Put record with its decoded key and metadata', () => {
    const result = parseS3Message(JSON.stringify({ Records: [awsRecord()] }));
    expect(result).toEqual({
      kind: 'files',
      envelope: 's3',
      files: [
        {
          bucket: 'mybucket',
          key: 'dms/shop/order items/20240612-103125108.parquet',
          etag: 'd41d8cd98f00b204e9800998ecf8427e',
          size: 1024,
          eventTime: new Date('2024-06-12T10:31:25.108Z'),
          eventName: 'ObjectCreated:Put',
          sequencer: '0055AED6DCD90281E5',
        },
      ],
    });
  });

  it('accepts every ObjectCreated kind, multipart uploads included', () => {
    for (const eventName of [
      'ObjectCreated:Post',
      'ObjectCreated:Copy',
      'ObjectCreated:CompleteMultipartUpload',
    ]) {
      expect(
        files(parseS3Message(JSON.stringify({ Records: [awsRecord({ eventName })] }))),
      ).toHaveLength(1);
    }
  });

  it('decodes + as a space before %XX, so an encoded plus stays a plus', () => {
    const body = JSON.stringify({ Records: [awsRecord({}, { key: 'a+b%2Bc%20d%C3%A9' })] });
    expect(files(parseS3Message(body))[0]?.key).toBe('a b+c dé');
  });

  it('decodes moto-style keys whose slashes arrive as %2F', () => {
    const body = JSON.stringify({
      Records: [awsRecord({}, { key: 'dms%2Fshop%2Forder+items%2F20260416-124049492.parquet' })],
    });
    expect(files(parseS3Message(body))[0]?.key).toBe(
      'dms/shop/order items/20260416-124049492.parquet',
    );
  });

  it('strips quotes around the ETag', () => {
    const body = JSON.stringify({ Records: [awsRecord({}, { eTag: '"abc-3"' })] });
    expect(files(parseS3Message(body))[0]?.etag).toBe('abc-3');
  });

  it('tolerates moto records without sequencer, versionId or userIdentity', () => {
    const record = awsRecord({ userIdentity: undefined }, { sequencer: undefined });
    const [file] = files(parseS3Message(JSON.stringify({ Records: [record] })));
    expect(file).toBeDefined();
    expect(file).not.toHaveProperty('sequencer');
    expect(file).not.toHaveProperty('versionId');
  });

  it('keeps the versionId of a versioned bucket', () => {
    const body = JSON.stringify({ Records: [awsRecord({}, { versionId: 'v1' })] });
    expect(files(parseS3Message(body))[0]?.versionId).toBe('v1');
  });

  it('reads a moto event time without a zone as local time with microseconds', () => {
    const body = JSON.stringify({
      Records: [awsRecord({ eventTime: '2026-11-28T00:07:55.013435' })],
    });
    expect(files(parseS3Message(body))[0]?.eventTime).toEqual(new Date(2026, 10, 28, 0, 7, 55, 13));
  });

  it('returns every ObjectCreated record of a message and skips the others', () => {
    const body = JSON.stringify({
      Records: [
        awsRecord(),
        awsRecord({ eventName: 'ObjectRemoved:Delete' }),
        awsRecord({}, { key: 'other.parquet' }),
      ],
    });
    expect(files(parseS3Message(body)).map((f) => f.key)).toEqual([
      'dms/shop/order items/20240612-103125108.parquet',
      'other.parquet',
    ]);
  });

  it('ignores a message of only non-ObjectCreated records, saying which', () => {
    const body = JSON.stringify({ Records: [awsRecord({ eventName: 'ObjectRemoved:Delete' })] });
    expect(parseS3Message(body)).toMatchObject({
      kind: 'ignored',
      envelope: 's3',
      reason: 'no ObjectCreated records (ObjectRemoved:Delete)',
      // Nothing to load, but a removed LOAD file begins a reload of its table.
      removed: [{ key: 'dms/shop/order items/20240612-103125108.parquet' }],
    });
  });

  it('ignores the s3:TestEvent sent when notifications are configured', () => {
    const body = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2014-10-13T15:57:02.089Z',
      Bucket: 'bucketname',
    });
    expect(parseS3Message(body)).toEqual({
      kind: 'ignored',
      envelope: 's3',
      reason: 's3:TestEvent',
    });
  });
});

describe('parseS3Message with SNS and EventBridge envelopes', () => {
  it('unwraps an S3 event delivered through SNS', () => {
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:us-west-2:123:dms',
      Message: JSON.stringify({ Records: [awsRecord()] }),
    });
    const result = parseS3Message(body);
    expect(result.kind === 'files' && result.envelope).toBe('sns');
    expect(files(result)[0]?.key).toBe('dms/shop/order items/20240612-103125108.parquet');
  });

  it('ignores a test event delivered through SNS', () => {
    const body = JSON.stringify({
      Type: 'Notification',
      Message: JSON.stringify({ Event: 's3:TestEvent' }),
    });
    expect(parseS3Message(body)).toEqual({
      kind: 'ignored',
      envelope: 'sns',
      reason: 's3:TestEvent',
    });
  });

  it('reads an EventBridge Object Created event, whose key is not URL-encoded', () => {
    const body = JSON.stringify({
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '111122223333',
      time: '2021-11-12T00:00:00Z',
      region: 'ca-central-1',
      resources: ['arn:aws:s3:::example-bucket'],
      detail: {
        version: '0',
        bucket: { name: 'example-bucket' },
        object: {
          key: 'dms/shop/a+b %/LOAD00000001.parquet',
          size: 5,
          etag: 'b1946ac92492d2347c6235b4d2611184',
          'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
          sequencer: '617f08299329d189',
        },
        'request-id': 'N4N7GDK58NMKJ12R',
        requester: '123456789012',
        reason: 'PutObject',
      },
    });
    expect(parseS3Message(body)).toEqual({
      kind: 'files',
      envelope: 'eventbridge',
      files: [
        {
          bucket: 'example-bucket',
          key: 'dms/shop/a+b %/LOAD00000001.parquet',
          etag: 'b1946ac92492d2347c6235b4d2611184',
          size: 5,
          eventTime: new Date('2021-11-12T00:00:00Z'),
          eventName: 'Object Created',
          sequencer: '617f08299329d189',
          versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        },
      ],
    });
  });

  it('ignores EventBridge events of other types and sources', () => {
    const deleted = { 'detail-type': 'Object Deleted', source: 'aws.s3', detail: {} };
    expect(parseS3Message(JSON.stringify(deleted))).toMatchObject({
      kind: 'ignored',
      envelope: 'eventbridge',
    });
    const other = { 'detail-type': 'Object Created', source: 'aws.ec2', detail: {} };
    expect(parseS3Message(JSON.stringify(other))).toMatchObject({
      kind: 'ignored',
      envelope: 'eventbridge',
    });
  });
});

describe('parseS3Message with malformed input', () => {
  it.each([
    ['a body that is not JSON', 'not json {', /message body is not JSON/],
    ['a JSON array', '[1,2]', /message body is not a JSON object/],
    ['an object of unknown shape', '{"hello":"world"}', /not an S3 event/],
    ['Records that is not an array', '{"Records":{}}', /Records is not an array/],
    [
      'an SNS Message that is not JSON',
      '{"Type":"Notification","Message":"x"}',
      /SNS Message is not JSON/,
    ],
  ])('reports %s as malformed', (_what, body, reason) => {
    const result = parseS3Message(body);
    expect(result.kind).toBe('malformed');
    expect(result.kind === 'malformed' && result.reason).toMatch(reason);
  });

  it('reports a record without a key, naming the field', () => {
    const body = JSON.stringify({ Records: [awsRecord({}, { key: undefined })] });
    expect(parseS3Message(body)).toEqual({
      kind: 'malformed',
      reason: 'Records[0].s3.object.key is missing or not a non-empty string',
    });
  });

  it('reports a negative or fractional size', () => {
    for (const size of [-1, 1.5, '12']) {
      const body = JSON.stringify({ Records: [awsRecord({}, { size })] });
      expect(parseS3Message(body).kind).toBe('malformed');
    }
  });

  it('reports a key with broken percent-encoding', () => {
    const body = JSON.stringify({ Records: [awsRecord({}, { key: 'a%E0%A4%A' })] });
    const result = parseS3Message(body);
    expect(result.kind === 'malformed' && result.reason).toMatch(/not valid URL encoding/);
  });

  it('reports an unreadable event time', () => {
    const body = JSON.stringify({ Records: [awsRecord({ eventTime: 'yesterday' })] });
    const result = parseS3Message(body);
    expect(result.kind === 'malformed' && result.reason).toMatch(/Records\[0\]\.eventTime/);
  });
});

describe('parseEventTime', () => {
  it('reads UTC, offsets and fractions of any length, cutting below milliseconds', () => {
    expect(parseEventTime('2024-06-12T10:31:25Z')).toEqual(new Date('2024-06-12T10:31:25.000Z'));
    expect(parseEventTime('2024-06-12T10:31:25.1Z')).toEqual(new Date('2024-06-12T10:31:25.100Z'));
    expect(parseEventTime('2024-06-12T10:31:25.123999Z')).toEqual(
      new Date('2024-06-12T10:31:25.123Z'),
    );
    expect(parseEventTime('2024-06-12T12:31:25.000+02:00')).toEqual(
      new Date('2024-06-12T10:31:25.000Z'),
    );
    expect(parseEventTime('2024-06-12T05:01:25-0530')).toEqual(
      new Date('2024-06-12T10:31:25.000Z'),
    );
  });

  it('rejects an impossible month', () => {
    expect(() => parseEventTime('2024-13-12T10:31:25Z')).toThrow(/not a valid time/);
  });
});
