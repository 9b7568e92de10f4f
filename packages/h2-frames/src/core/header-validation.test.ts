import { describe, expect, it } from 'vitest';
import { checkTrailers, headerListSize, parseRequestHead, parseResponseHead } from './header-validation.js';

const f = (...pairs: [string, string][]) => pairs.map(([name, value]) => ({ name, value }));
const base: [string, string][] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', 'a'],
  [':path', '/'],
];

describe('parseRequestHead (RFC 9113 §8.3.1)', () => {
  it('parses pseudo-headers, content-length and priority', () => {
    expect(
      parseRequestHead(
        f(
          ...base,
          ['content-length', '12'],
          ['content-length', '12'],
          ['priority', 'u=1'],
          ['priority', 'i'],
        ),
        false,
      ),
    ).toEqual({
      method: 'GET',
      scheme: 'https',
      authority: 'a',
      path: '/',
      protocol: undefined,
      contentLength: 12,
      priority: 'u=1,i',
    });
  });

  const bad: [string, [string, string][]][] = [
    ['duplicate :method', [...base, [':method', 'GET']]],
    ['duplicate :scheme', [[':scheme', 'a'], ...base]],
    ['duplicate :authority', [[':authority', 'a'], ...base]],
    ['duplicate :path', [[':path', '/'], ...base]],
    ['duplicate :protocol', [[':protocol', 'a'], [':protocol', 'b'], ...base]],
    ['unknown pseudo-header', [...base, [':status', '200']]],
    ['pseudo after regular', [['a', 'b'], ...base]],
    ['missing :method', base.slice(1)],
    [
      'empty :path',
      [
        [':method', 'GET'],
        [':scheme', 'https'],
        [':path', ''],
      ],
    ],
    ['empty name', [...base, ['', 'x']]],
    ['conflicting content-length', [...base, ['content-length', '1'], ['content-length', '2']]],
    [
      'CONNECT with :path',
      [
        [':method', 'CONNECT'],
        [':authority', 'a'],
        [':path', '/'],
      ],
    ],
    ['CONNECT without :authority', [[':method', 'CONNECT']]],
  ];
  for (const [what, fields] of bad) {
    it(`rejects ${what}`, () => {
      expect(typeof parseRequestHead(f(...fields), true)).toBe('string');
    });
  }

  it('accepts CONNECT with :authority only (§8.5)', () => {
    expect(parseRequestHead(f([':method', 'CONNECT'], [':authority', 'a:443']), false)).toMatchObject({
      method: 'CONNECT',
      authority: 'a:443',
    });
  });

  it('extended CONNECT needs CONNECT and all of :scheme, :path, :authority (RFC 8441 §4)', () => {
    expect(
      parseRequestHead(
        f([':method', 'GET'], [':protocol', 'ws'], [':scheme', 'https'], [':path', '/'], [':authority', 'a']),
        true,
      ),
    ).toMatch(/CONNECT/);
    expect(
      parseRequestHead(f([':method', 'CONNECT'], [':protocol', 'ws'], [':authority', 'a']), true),
    ).toMatch(/without/);
  });
});

describe('parseResponseHead (RFC 9113 §8.3.2)', () => {
  it('parses :status and content-length', () => {
    expect(parseResponseHead(f([':status', '200'], ['content-length', '0']))).toEqual({
      status: 200,
      contentLength: 0,
    });
  });
  const bad: [string, [string, string][]][] = [
    ['missing :status', [['a', 'b']]],
    [
      'duplicate :status',
      [
        [':status', '200'],
        [':status', '200'],
      ],
    ],
    ['invalid :status', [[':status', '20']]],
    [
      'request pseudo-header',
      [
        [':status', '200'],
        [':path', '/'],
      ],
    ],
    [
      'pseudo after regular',
      [
        ['a', 'b'],
        [':status', '200'],
      ],
    ],
    [
      'connection field',
      [
        [':status', '200'],
        ['keep-alive', '1'],
      ],
    ],
  ];
  for (const [what, fields] of bad) {
    it(`rejects ${what}`, () => {
      expect(typeof parseResponseHead(f(...fields))).toBe('string');
    });
  }
});

describe('checkTrailers and headerListSize', () => {
  it('trailers carry no pseudo-headers and no connection fields (§8.1)', () => {
    expect(checkTrailers(f(['x', '1']))).toBeUndefined();
    expect(checkTrailers(f([':status', '1']))).toMatch(/pseudo/);
    expect(checkTrailers(f(['transfer-encoding', 'chunked']))).toMatch(/connection-specific/);
  });
  it('counts name + value + 32 per field (§6.5.2)', () => {
    expect(headerListSize(f(['ab', 'cde'], ['x', '']))).toBe(5 + 32 + 1 + 32);
  });
});

describe('RFC 9113 §8.2.1 field characters', () => {
  it('refuses uppercase names, names outside tchar, and empty names', () => {
    expect(checkTrailers(f(['X-Up', '1']))).toMatch(/uppercase field name/);
    expect(checkTrailers(f(['a b', '1']))).toMatch(/outside RFC 9110 tchar/);
    expect(checkTrailers(f(['', '1']))).toMatch(/empty field name/);
  });

  it('refuses NUL, CR or LF in values and leading or trailing whitespace', () => {
    expect(checkTrailers(f(['x', 'a\r\nb']))).toMatch(/NUL, CR or LF/);
    expect(checkTrailers(f(['x', 'a\u0000']))).toMatch(/NUL, CR or LF/);
    expect(checkTrailers(f(['x', ' a']))).toMatch(/leading or trailing whitespace/);
    expect(checkTrailers(f(['x', 'a\t']))).toMatch(/leading or trailing whitespace/);
  });

  it('accepts ordinary names and values, including inner spaces and obs-text', () => {
    expect(checkTrailers(f(['x-custom_header.1', 'a b\u00e9']))).toBeUndefined();
  });
});
