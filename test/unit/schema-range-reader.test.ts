import { S3ServiceException, type GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ObjectMissingError, s3RangeReader } from '../../src/schema/range-reader.js';

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

/** An S3 client that records each GetObject input and answers with `answer`. */
function fakeS3(answer: () => Promise<unknown>) {
  const inputs: GetObjectCommand['input'][] = [];
  const client = {
    send: (command: GetObjectCommand) => {
      inputs.push(command.input);
      return answer();
    },
  };
  return { client: client as unknown as Parameters<typeof s3RangeReader>[0], inputs };
}

describe('s3RangeReader', () => {
  it('asks for an inclusive byte range pinned to the quoted ETag', async () => {
    const body = { transformToByteArray: () => Promise.resolve(new Uint8Array([1, 2, 3])) };
    const { client, inputs } = fakeS3(() => Promise.resolve({ Body: body }));

    const bytes = await s3RangeReader(client, 'b', 'k/x.parquet', 'abc123')(10, 3);

    expect([...bytes]).toEqual([1, 2, 3]);
    expect(inputs).toEqual([
      { Bucket: 'b', Key: 'k/x.parquet', Range: 'bytes=10-12', IfMatch: '"abc123"' },
    ]);
  });

  it('sends no If-Match without an ETag', async () => {
    const body = { transformToByteArray: () => Promise.resolve(new Uint8Array()) };
    const { client, inputs } = fakeS3(() => Promise.resolve({ Body: body }));
    await s3RangeReader(client, 'b', 'k')(0, 4);
    expect(inputs[0]).not.toHaveProperty('IfMatch');
  });

  it('turns a missing key into ObjectMissingError', async () => {
    const { client } = fakeS3(() => Promise.reject(s3Error('NoSuchKey', 404)));
    const error: unknown = await s3RangeReader(client, 'b', 'k')(0, 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectMissingError);
    expect(error).toMatchObject({ reason: 'not-found', bucket: 'b', key: 'k' });
  });

  it('turns a replaced object into ObjectMissingError', async () => {
    const { client } = fakeS3(() => Promise.reject(s3Error('PreconditionFailed', 412)));
    await expect(s3RangeReader(client, 'b', 'k', '"e"')(0, 4)).rejects.toMatchObject({
      name: 'ObjectMissingError',
      reason: 'etag-changed',
    });
  });

  it('reads a range past the end as no bytes', async () => {
    const { client } = fakeS3(() => Promise.reject(s3Error('InvalidRange', 416)));
    await expect(s3RangeReader(client, 'b', 'k')(100, 4)).resolves.toHaveLength(0);
  });

  it('passes other failures through', async () => {
    const failure = s3Error('SlowDown', 503);
    const { client } = fakeS3(() => Promise.reject(failure));
    await expect(s3RangeReader(client, 'b', 'k')(0, 4)).rejects.toBe(failure);
  });
});
