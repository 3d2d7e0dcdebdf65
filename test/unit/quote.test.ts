import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  qualified,
  quoteIdent,
  quoteString,
  quoteTimestamp,
  SqlQuoteError,
} from '../../src/databend/quote.js';

describe('quoteIdent', () => {
  it('wraps a plain name in backticks', () => {
    expect(quoteIdent('orders')).toBe('`orders`');
  });

  it('keeps case, spaces, dots, quotes, comment and statement markers literally inside backticks', () => {
    expect(quoteIdent('Order Items')).toBe('`Order Items`');
    expect(quoteIdent('a.b')).toBe('`a.b`');
    expect(quoteIdent(`it's "x"`)).toBe('`it\'s "x"`');
    expect(quoteIdent('-- ;')).toBe('`-- ;`');
    expect(quoteIdent('x\\y')).toBe('`x\\y`');
    expect(quoteIdent('é日本')).toBe('`é日本`');
  });

  it('switches to double quotes with doubled inner quotes for a name containing a backtick', () => {
    expect(quoteIdent('a`b')).toBe('"a`b"');
    expect(quoteIdent('a`"b')).toBe('"a`""b"');
  });

  it('accepts a backtick name whose backslashes pair up before a double quote', () => {
    expect(quoteIdent('a`\\\\"b')).toBe('"a`\\\\""b"');
    expect(quoteIdent('a`\\b')).toBe('"a`\\b"');
  });

  it('rejects a name with a backtick and a backslash before a double quote, naming it', () => {
    expect(() => quoteIdent('a`\\"b')).toThrow(SqlQuoteError);
    expect(() => quoteIdent('a`\\"b')).toThrow(/a`\\\\\\"b/);
  });

  it('rejects a name with a backtick that ends in a backslash', () => {
    expect(() => quoteIdent('a`\\')).toThrow(/cannot quote identifier/);
  });

  it('rejects the empty name', () => {
    expect(() => quoteIdent('')).toThrow(/empty identifier/);
  });

  it('rejects a name containing NUL and names it', () => {
    expect(() => quoteIdent('bad\0name')).toThrow(/"bad\\u0000name".*NUL/);
  });

  it('rejects a name with a lone surrogate', () => {
    expect(() => quoteIdent('x\uD800')).toThrow(/surrogate/);
  });

  it('never lets a backtick-free name leave its quotes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1 }).filter((s) => !/[`\0]|\p{Cs}/u.test(s)),
        (name) => {
          const quoted = quoteIdent(name);
          expect(quoted).toBe(`\`${name}\``);
        },
      ),
    );
  });
});

describe('qualified', () => {
  it('joins two quoted parts with a dot', () => {
    expect(qualified('ods', 'Order Items')).toBe('`ods`.`Order Items`');
  });

  it('rejects an unrepresentable part', () => {
    expect(() => qualified('', 't')).toThrow(SqlQuoteError);
  });
});

describe('quoteString', () => {
  it('wraps text in single quotes', () => {
    expect(quoteString('abc')).toBe("'abc'");
  });

  it('doubles single quotes', () => {
    expect(quoteString("it's")).toBe("'it''s'");
  });

  it('escapes backslashes so escapes in the value stay text', () => {
    expect(quoteString('a\\nb')).toBe("'a\\\\nb'");
    expect(quoteString('\\')).toBe("'\\\\'");
    expect(quoteString("\\'")).toBe("'\\\\'''");
  });

  it('writes NUL as a two-digit hex escape so a following digit is not absorbed', () => {
    expect(quoteString('\u00001')).toBe("'\\x001'");
  });

  it('writes newline, carriage return and tab as escapes', () => {
    expect(quoteString('a\nb\rc\td')).toBe("'a\\nb\\rc\\td'");
  });

  it('writes non-ASCII text as is', () => {
    expect(quoteString('naïve 日本 😀')).toBe("'naïve 日本 😀'");
  });

  it('rejects a lone surrogate, which has no UTF-8 form', () => {
    expect(() => quoteString('\uDC00')).toThrow(SqlQuoteError);
  });

  it('produces a literal with no unescaped quote or trailing backslash for any text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !/\p{Cs}/u.test(s)),
        (value) => {
          const literal = quoteString(value);
          const body = literal.slice(1, -1);
          // Scan as Databend's tokenizer does: a backslash takes the next character, '' is a quote.
          let i = 0;
          while (i < body.length) {
            if (body[i] === '\\') {
              expect(i + 1).toBeLessThan(body.length);
              i += 2;
            } else if (body[i] === "'") {
              expect(body[i + 1]).toBe("'");
              i += 2;
            } else {
              i += 1;
            }
          }
          expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
        },
      ),
    );
  });
});

describe('quoteTimestamp', () => {
  it('writes the instant in UTC with milliseconds, as a TIMESTAMP', () => {
    expect(quoteTimestamp(new Date('2026-01-02T03:04:05.678Z'))).toBe(
      "'2026-01-02 03:04:05.678'::TIMESTAMP",
    );
  });

  it('refuses an invalid date instead of writing NaN into SQL', () => {
    expect(() => quoteTimestamp(new Date('not a date'))).toThrow(SqlQuoteError);
  });
});
