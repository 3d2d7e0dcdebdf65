import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import parquetThrift from 'parquetjs-lite/gen-nodejs/parquet_types.js';
import parquetUtil from 'parquetjs-lite/lib/util.js';
import { describe, expect, it } from 'vitest';
import {
  FOOTER_PREFETCH_BYTES,
  InvalidParquetError,
  readParquetSchema,
  type RangeReader,
} from '../../src/schema/parquet-footer.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'schema');
const dmsFile = readFileSync(join(fixtures, 'dms-types.parquet'));
const pyarrowFile = readFileSync(join(fixtures, 'dms-types-v2.parquet'));

/** A reader over bytes in memory that records every request. */
function memoryReader(bytes: Buffer): { read: RangeReader; requests: [number, number][] } {
  const requests: [number, number][] = [];
  const read: RangeReader = (offset, length) => {
    requests.push([offset, length]);
    return Promise.resolve(bytes.subarray(offset, offset + length));
  };
  return { read, requests };
}

async function schemaOf(bytes: Buffer) {
  return readParquetSchema(memoryReader(bytes).read, bytes.length);
}

async function failureOf(bytes: Buffer, size = bytes.length): Promise<InvalidParquetError> {
  const error: unknown = await readParquetSchema(memoryReader(bytes).read, size).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidParquetError);
  return error as InvalidParquetError;
}

/** Same data pages, with the footer replaced by `edit` applied to the decoded FileMetaData. */
function withFooter(
  file: Buffer,
  edit: (meta: InstanceType<typeof parquetThrift.FileMetaData>) => void,
): Buffer {
  const footerLength = file.readUInt32LE(file.length - 8);
  const start = file.length - 8 - footerLength;
  const meta = new parquetThrift.FileMetaData();
  parquetUtil.decodeThrift(meta, file.subarray(start, file.length - 8));
  edit(meta);
  const footer = parquetUtil.serializeThrift(meta);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(footer.length, 0);
  trailer.write('PAR1', 4, 'latin1');
  return Buffer.concat([file.subarray(0, start), footer, trailer]);
}

/** Pads the file before its footer so that it is larger than one prefetch. */
function padded(file: Buffer, bytes: number): Buffer {
  const footerLength = file.readUInt32LE(file.length - 8);
  const start = file.length - 8 - footerLength;
  return Buffer.concat([file.subarray(0, start), Buffer.alloc(bytes), file.subarray(start)]);
}

describe('readParquetSchema', () => {
  it('reads every column of a DMS-style file with its ConvertedType annotations', async () => {
    const schema = await schemaOf(dmsFile);

    expect(schema.rowCount).toBe(3);
    expect(schema.columns.map((c) => c.name)).toEqual([
      'Op', 'DMS_TIMESTAMP', 'id', 'tiny', 'flag', 'small', 'big', 'utiny', 'usmall', 'uint',
      'ubig', 'price', 'amount', 'huge', 'created_ms', 'updated_us', 'birthday', 'at_time',
      'active', 'doc', 'name', 'body', 'status', 'tags', 'payload', 'bits', 'ratio', 'score',
    ]); // prettier-ignore
    const byName = new Map(schema.columns.map((c) => [c.name, c]));
    expect(byName.get('DMS_TIMESTAMP')).toEqual({
      name: 'DMS_TIMESTAMP',
      physicalType: 'BYTE_ARRAY',
      repetition: 'REQUIRED',
      convertedType: 'UTF8',
    });
    expect(byName.get('price')).toEqual({
      name: 'price',
      physicalType: 'FIXED_LEN_BYTE_ARRAY',
      repetition: 'OPTIONAL',
      convertedType: 'DECIMAL',
      typeLength: 5,
      precision: 10,
      scale: 2,
    });
    expect(byName.get('ubig')).toMatchObject({
      physicalType: 'INT64',
      convertedType: 'UINT_64',
      intType: { bitWidth: 64, isSigned: false },
    });
    expect(byName.get('uint')).toEqual({
      name: 'uint',
      physicalType: 'INT64',
      repetition: 'OPTIONAL',
    });
    expect(byName.get('updated_us')).toMatchObject({ convertedType: 'TIMESTAMP_MICROS' });
    expect(byName.get('created_ms')).toMatchObject({ convertedType: 'TIMESTAMP_MILLIS' });
    expect(byName.get('payload')).toEqual({
      name: 'payload',
      physicalType: 'BYTE_ARRAY',
      repetition: 'OPTIONAL',
    });
    for (const column of schema.columns) {
      expect(column.logicalType).toBeUndefined();
    }
  });

  it('reads LogicalType annotations when the writer adds them', async () => {
    const schema = await schemaOf(pyarrowFile);
    const byName = new Map(schema.columns.map((c) => [c.name, c]));

    expect(byName.get('uint')).toMatchObject({
      physicalType: 'INT32',
      convertedType: 'UINT_32',
      logicalType: { type: 'INTEGER', bitWidth: 32, isSigned: false },
      intType: { bitWidth: 32, isSigned: false },
    });
    expect(byName.get('huge')).toMatchObject({
      logicalType: { type: 'DECIMAL', precision: 65, scale: 30 },
      precision: 65,
      scale: 30,
      typeLength: 28,
    });
    expect(byName.get('updated_us')?.logicalType).toEqual({
      type: 'TIMESTAMP',
      unit: 'MICROS',
      isAdjustedToUTC: true,
    });
    expect(schema.createdBy).toMatch(/^parquet-cpp-arrow/);
  });

  it('fetches a small file in one request', async () => {
    const { read, requests } = memoryReader(dmsFile);
    await readParquetSchema(read, dmsFile.length);
    expect(requests).toEqual([[0, dmsFile.length]]);
  });

  it('fetches only the last 64 KiB of a large file in one request', async () => {
    const big = padded(dmsFile, 5 * 1024 * 1024);
    const { read, requests } = memoryReader(big);

    const schema = await readParquetSchema(read, big.length);

    expect(schema.columns).toHaveLength(28);
    expect(requests).toEqual([[big.length - FOOTER_PREFETCH_BYTES, FOOTER_PREFETCH_BYTES]]);
  });

  it('makes a second request only for the part of a footer larger than 64 KiB', async () => {
    const bigFooter = padded(
      withFooter(dmsFile, (meta) => {
        meta.created_by = 'x'.repeat(100_000);
      }),
      1024 * 1024,
    );
    const footerLength = bigFooter.readUInt32LE(bigFooter.length - 8);
    const { read, requests } = memoryReader(bigFooter);

    const schema = await readParquetSchema(read, bigFooter.length);

    expect(schema.createdBy).toHaveLength(100_000);
    const footerStart = bigFooter.length - 8 - footerLength;
    const tailStart = bigFooter.length - FOOTER_PREFETCH_BYTES;
    expect(requests).toEqual([
      [tailStart, FOOTER_PREFETCH_BYTES],
      [footerStart, tailStart - footerStart],
    ]);
  });

  it('lists a nested field as one GROUP column and skips its children', async () => {
    const nested = withFooter(dmsFile, (meta) => {
      const schema = meta.schema ?? [];
      const [root, first, second] = schema;
      if (root === undefined || first === undefined || second === undefined)
        throw new Error('fixture');
      // Make "Op" a group whose only child is "DMS_TIMESTAMP": the root now has one child fewer.
      root.num_children = (root.num_children ?? 0) - 1;
      first.num_children = 1;
      first.type = null;
    });
    const schema = await schemaOf(nested);
    expect(schema.columns[0]).toMatchObject({ name: 'Op', physicalType: 'GROUP' });
    expect(schema.columns[1]?.name).toBe('id');
    expect(schema.columns).toHaveLength(27);
  });

  it('refuses a zero-byte file', async () => {
    const error = await failureOf(Buffer.alloc(0));
    expect(error.reason).toBe('empty');
  });

  it('refuses a file that is not Parquet', async () => {
    const error = await failureOf(Buffer.from('id,name\n1,alice\n2,bob\n'));
    expect(error.reason).toBe('not-parquet');
    expect(error.message).toContain('PAR1');
  });

  it('tells a truncated Parquet file from one that is not Parquet', async () => {
    const error = await failureOf(dmsFile.subarray(0, dmsFile.length - 100));
    expect(error.reason).toBe('truncated');
  });

  it('tells a large truncated file by reading its first four bytes', async () => {
    const big = padded(dmsFile, 200_000);
    const cut = big.subarray(0, big.length - 10);
    const { read, requests } = memoryReader(cut);
    const error: unknown = await readParquetSchema(read, cut.length).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'truncated' });
    expect(requests.at(-1)).toEqual([0, 4]);
  });

  it('reports a file shorter than its stated size as truncated', async () => {
    const error = await failureOf(dmsFile, dmsFile.length + 10);
    expect(error.reason).toBe('truncated');
    expect(error.message).toContain('shorter than its stated size');
  });

  it('refuses a footer whose length exceeds the file', async () => {
    const broken = Buffer.from(dmsFile);
    broken.writeUInt32LE(dmsFile.length, dmsFile.length - 8);
    const error = await failureOf(broken);
    expect(error.reason).toBe('corrupt-footer');
  });

  it('refuses a footer whose bytes do not decode', async () => {
    const broken = Buffer.from(dmsFile);
    const footerLength = dmsFile.readUInt32LE(dmsFile.length - 8);
    broken.fill(0xff, dmsFile.length - 8 - footerLength, dmsFile.length - 8);
    const error = await failureOf(broken);
    expect(error.reason).toBe('corrupt-footer');
  });

  it('refuses a footer whose schema tree does not add up', async () => {
    const broken = withFooter(dmsFile, (meta) => {
      const root = meta.schema?.[0];
      if (root) root.num_children = 40;
    });
    const error = await failureOf(broken);
    expect(error.reason).toBe('corrupt-footer');
    expect(error.message).toContain('schema');
  });

  it('refuses an encrypted footer with a clear reason', async () => {
    const encrypted = Buffer.from(dmsFile);
    encrypted.write('PARE', dmsFile.length - 4, 'latin1');
    const error = await failureOf(encrypted);
    expect(error.reason).toBe('not-parquet');
    expect(error.message).toContain('encrypted');
  });

  it('passes errors of the reader through unchanged', async () => {
    const failure = new Error('network down');
    await expect(readParquetSchema(() => Promise.reject(failure), 100)).rejects.toBe(failure);
  });
});
