/**
 * The two internals of parquetjs-lite that the footer reader uses: its Thrift compact-protocol
 * decoder/encoder and the generated Parquet Thrift classes. The package ships no types, so only
 * what is used is declared here, as the generated code initialises it: every field starts as
 * null and stays null when the footer does not carry it. Field values are only as trustworthy as
 * the file, so the reader validates them again.
 */

declare module 'parquetjs-lite/gen-nodejs/parquet_types.js' {
  /** node-int64's Int64, which the Thrift decoder returns for i64 fields. */
  interface ThriftInt64 {
    toNumber(allowImprecise: boolean): number;
  }

  interface ThriftStruct {
    read(input: unknown): void;
    write(output: unknown): void;
  }

  interface ThriftTimeUnit {
    MILLIS: object | null;
    MICROS: object | null;
  }

  interface ThriftLogicalType {
    STRING: object | null;
    MAP: object | null;
    LIST: object | null;
    ENUM: object | null;
    DECIMAL: { scale: number | null; precision: number | null } | null;
    DATE: object | null;
    TIME: { isAdjustedToUTC: boolean | null; unit: ThriftTimeUnit | null } | null;
    TIMESTAMP: { isAdjustedToUTC: boolean | null; unit: ThriftTimeUnit | null } | null;
    INTEGER: { bitWidth: number | null; isSigned: boolean | null } | null;
    UNKNOWN: object | null;
    JSON: object | null;
    BSON: object | null;
  }

  interface ThriftSchemaElement {
    type: number | null;
    type_length: number | null;
    repetition_type: number | null;
    name: string | Buffer | null;
    num_children: number | null;
    converted_type: number | null;
    scale: number | null;
    precision: number | null;
    field_id: number | null;
    logicalType: ThriftLogicalType | null;
  }

  interface ThriftFileMetaData extends ThriftStruct {
    version: number | null;
    schema: ThriftSchemaElement[] | null;
    num_rows: ThriftInt64 | number | null;
    row_groups: unknown[] | null;
    key_value_metadata: unknown[] | null;
    created_by: string | Buffer | null;
  }

  const parquetThrift: {
    FileMetaData: new () => ThriftFileMetaData;
  };
  export = parquetThrift;
}

declare module 'parquetjs-lite/lib/util.js' {
  const parquetUtil: {
    /** Decodes one Thrift struct from `buf` at `offset`; returns the number of bytes read. */
    decodeThrift(obj: { read(input: unknown): void }, buf: Buffer, offset?: number): number;
    /** Encodes one Thrift struct with the compact protocol. */
    serializeThrift(obj: { write(output: unknown): void }): Buffer;
  };
  export = parquetUtil;
}
