import { describe, expect, it } from 'vitest';

import {
  DatabendCode,
  DatabendConnectionError,
  DatabendError,
  DatabendQueryError,
  isTransientCode,
  parseErrorCode,
  serverMessage,
  toDatabendError,
} from '../../src/databend/error-codes.js';

function driverError(message: string): Error {
  return Object.assign(new Error(message), { code: 'GenericFailure' });
}

describe('parseErrorCode', () => {
  it('reads the code of a failed query', () => {
    expect(parseErrorCode("APIError: QueryFailed: [1025]Unknown table 'x' [v0.33.7]")).toBe(1025);
  });

  it('reads the code of a non-200 answer with an error body', () => {
    expect(parseErrorCode('APIError: BadRequest:(400 Bad Request)[1006]bad args [v0.33.7]')).toBe(
      1006,
    );
  });

  it('reads the code of an authentication failure', () => {
    expect(parseErrorCode('APIError: AuthFailure: [5100]wrong password [v0.33.7]')).toBe(5100);
  });

  it('ignores a bracketed number that is part of a name rather than the code', () => {
    expect(parseErrorCode('APIError: QueryFailed: [1025]Unknown table `[42]` [v0.33.7]')).toBe(
      1025,
    );
    expect(parseErrorCode('something about table [42]')).toBeUndefined();
  });

  it('finds no code in a transport error', () => {
    expect(
      parseErrorCode(
        'APIError: [request_kind=login]: reqwest::Error: error sending request, source_chain=client error (Connect) -> tcp connect error -> Connection refused (os error 111) [v0.33.7]',
      ),
    ).toBeUndefined();
  });
});

describe('serverMessage', () => {
  it('strips the driver prefix, the code and the version suffix', () => {
    expect(serverMessage("APIError: QueryFailed: [1025]Unknown table 'x' [v0.33.7]")).toBe(
      "Unknown table 'x'",
    );
  });
});

describe('isTransientCode', () => {
  it.each([
    [4001, 'UnresolvableConflict'],
    [2011, 'OCCRetryFailure'],
    [4002, 'CurrentTransactionIsAborted'],
    [4003, 'TransactionTimeout'],
    [5111, 'SessionLost'],
  ])('treats %i (%s) as transient for a batch', (code) => {
    expect(isTransientCode(code)).toBe(true);
  });

  it.each([
    [1005, 'SyntaxException'],
    [1025, 'UnknownTable'],
    [1046, 'BadBytes'],
    [1065, 'SemanticError'],
    [1201, 'ParquetFileInvalid'],
    [3001, 'StorageNotFound'],
  ])('treats %i (%s) as permanent', (code) => {
    expect(isTransientCode(code)).toBe(false);
  });
});

describe('toDatabendError', () => {
  it('classifies a commit conflict as a transient query error keeping the cause', () => {
    const original = driverError(
      'APIError: QueryFailed: [4001]Transaction aborted: table changed [v0.33.7]',
    );
    const err = toDatabendError(original);
    expect(err).toBeInstanceOf(DatabendQueryError);
    expect(err.code).toBe(DatabendCode.UnresolvableConflict);
    expect(err.transient).toBe(true);
    expect(err.cause).toBe(original);
    expect(err.message).toBe('Databend error 4001: Transaction aborted: table changed');
  });

  it('classifies an unknown table as a permanent query error', () => {
    const err = toDatabendError(
      driverError("APIError: QueryFailed: [1025]Unknown table 'x' [v0.33.7]"),
    );
    expect(err).toBeInstanceOf(DatabendQueryError);
    expect(err.transient).toBe(false);
    expect(err.code).toBe(1025);
  });

  it('classifies a refused connection as a transient connection error without a code', () => {
    const err = toDatabendError(
      driverError(
        'APIError: [request_kind=login]: reqwest::Error: error sending request, source_chain=client error (Connect) -> tcp connect error -> Connection refused (os error 111) [v0.33.7]',
      ),
    );
    expect(err).toBeInstanceOf(DatabendConnectionError);
    expect(err.transient).toBe(true);
    expect(err.code).toBeUndefined();
  });

  it('classifies a lost query page and a 503 as transient', () => {
    expect(
      toDatabendError(driverError('APIError: QueryNotFound: /v1/query/1/page/2 [v0.33.7]'))
        .transient,
    ).toBe(true);
    expect(
      toDatabendError(driverError('APIError: ResponseError: (503 Service Unavailable)busy'))
        .transient,
    ).toBe(true);
  });

  it('classifies an unrecognised client error as permanent', () => {
    const err = toDatabendError(driverError('ConvertError: cannot convert x to Int64'));
    expect(err).toBeInstanceOf(DatabendError);
    expect(err).not.toBeInstanceOf(DatabendQueryError);
    expect(err.transient).toBe(false);
  });

  it('accepts a non-Error rejection value', () => {
    const err = toDatabendError('QueryFailed: [2011]occ retries exhausted');
    expect(err.code).toBe(2011);
    expect(err.transient).toBe(true);
    expect(err.cause).toBe('QueryFailed: [2011]occ retries exhausted');
  });

  it('returns an already classified error unchanged', () => {
    const err = new DatabendConnectionError('down');
    expect(toDatabendError(err)).toBe(err);
  });
});
