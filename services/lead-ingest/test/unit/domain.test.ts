import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanRow, parseAmount } from '../../src/domain/clean.js';
import { resolveMapping, MappingError } from '../../src/domain/fields.js';
import { escapeFormula } from '../../src/domain/formula.js';
import { cleanNumber } from '../../src/domain/phone.js';
import { DEFAULT_TIER_RULES, tierOf } from '../../src/domain/tiers.js';

test('numbers: E.164, type, country and zone; each rejection reason', () => {
  const cases: Array<[string, string, unknown]> = [
    ['13800138000', 'CN', { e164: '+8613800138000', type: 'mobile', country: 'CN', timeZone: 'Asia/Shanghai' }],
    [
      '１３８ ００１３ ８０００',
      'CN',
      { e164: '+8613800138000', type: 'mobile', country: 'CN', timeZone: 'Asia/Shanghai' },
    ],
    ['010-6552 9988', 'CN', { e164: '+861065529988', type: 'fixed_line', country: 'CN', timeZone: 'Asia/Shanghai' }],
    ['+44 20 7946 0958', 'CN', { e164: '+442079460958', type: 'fixed_line', country: 'GB', timeZone: 'Europe/London' }],
    ['800 820 8820', 'CN', { e164: '+868008208820', type: 'toll_free', country: 'CN', timeZone: 'Asia/Shanghai' }],
    ['', 'CN', 'MISSING_PHONE'],
    ['138x0013800', 'CN', 'INVALID_CHARACTERS'],
    ['1380', 'CN', 'TOO_SHORT'],
    ['1380013800012345678', 'CN', 'TOO_LONG'],
    ['+999 1234 5678', 'CN', 'INVALID_COUNTRY'],
    ['10000000000', 'CN', 'INVALID_NUMBER'],
    // What spreadsheets and people write around a number.
    ['138x0013800', 'CN', 'INVALID_CHARACTERS'],
    ['1.38123E+10', 'CN', 'DIGITS_LOST_IN_SCIENTIFIC_NOTATION'],
    [
      '010-65529988 #8001',
      'CN',
      { e164: '+861065529988', type: 'fixed_line', country: 'CN', timeZone: 'Asia/Shanghai', extension: '8001' },
    ],
    [
      '1.3812345678e10',
      'CN',
      {
        e164: '+8613812345678',
        type: 'mobile',
        country: 'CN',
        timeZone: 'Asia/Shanghai',
        repair: 'EXPANDED_SCIENTIFIC_NOTATION',
      },
    ],
    [
      '85366123456',
      'CN',
      {
        e164: '+85366123456',
        type: 'mobile',
        country: 'MO',
        timeZone: 'Asia/Macau',
        repair: 'ADDED_PLUS_TO_COUNTRY_CODE',
      },
    ],
    ['12125550123', 'CN', 'INVALID_NUMBER'],
  ];
  for (const [raw, region, expected] of cases) assert.deepEqual(cleanNumber(raw, region as 'CN'), expected, raw);
});

test('mapping: Chinese and English headers auto-detected, explicit mapping wins, unknown columns kept as custom', () => {
  const mapping = resolveMapping([
    '客户编号',
    '姓名',
    '联系电话',
    '地区',
    '意向度',
    '客单价',
    '标签',
    '备注',
    'custom.src',
  ]);
  assert.deepEqual(
    Object.fromEntries(
      [...mapping.targets].map(([k, t]) => [
        k,
        t.kind === 'field' ? t.field : t.kind === 'custom' ? `custom.${t.key}` : 'ignore',
      ]),
    ),
    {
      客户编号: 'external_id',
      姓名: 'name',
      联系电话: 'phone',
      地区: 'region',
      意向度: 'intent',
      客单价: 'order_value',
      标签: 'tags',
      备注: 'custom.备注',
      'custom.src': 'custom.src',
    },
  );
  assert.equal(resolveMapping(['Mobile', 'Phone'], { Phone: 'phone' }).phoneColumn, 'Phone');
  assert.throws(() => resolveMapping(['姓名', '地址']), MappingError);
  assert.throws(() => resolveMapping(['phone'], { phone: 'nonsense' }), MappingError);
});

test('formula-like values: one rule neutralises = + - @, tab and carriage return on the way out', () => {
  for (const risky of ["=cmd|' /C calc'!A0", '@SUM(A1)', '+HYPERLINK("x")', '-2+3', '\t=1', '\r=1', '+86 138'])
    assert.equal(escapeFormula(risky), `'${risky}`, risky);
  for (const plain of ['张三', 'a=b', '13800138000', '']) assert.equal(escapeFormula(plain), plain, plain);
});

test('tiers: intent × order value → four tiers, as data', () => {
  assert.deepEqual(
    [
      tierOf(DEFAULT_TIER_RULES, 'high', 1000),
      tierOf(DEFAULT_TIER_RULES, 'high', 999),
      tierOf(DEFAULT_TIER_RULES, 'medium', 5000),
      tierOf(DEFAULT_TIER_RULES, undefined, undefined),
    ],
    ['A', 'B', 'C', 'D'],
  );
  assert.equal(tierOf([{ tier: 'VIP', maxOrderValue: 10 }], 'low', 9), 'VIP');
});

test('rows: cleaned with line numbers and reasons', () => {
  const mapping = resolveMapping(['name', 'phone', 'order_value', 'intent', 'tags']);
  const options = { defaultRegion: 'CN' as const, tierRules: DEFAULT_TIER_RULES };
  const lead = cleanRow(
    7,
    { name: ' 张三\u0007 ', phone: '13800138000', order_value: '¥1,200.50', intent: '高', tags: 'a，b;a' },
    mapping,
    options,
  );
  assert.ok(!('reason' in lead));
  assert.deepEqual(
    [lead.name, lead.orderValue, lead.intent, lead.tier, lead.tags, lead.region],
    ['张三', 1200.5, 'high', 'A', ['a', 'b'], 'CN'],
  );
  assert.deepEqual(
    cleanRow(9, { name: 'x', phone: '13800138000', order_value: 'lots', intent: '', tags: '' }, mapping, options),
    { line: 9, column: 'order_value', value: 'lots', reason: 'INVALID_ORDER_VALUE' },
  );
  assert.equal(
    (
      cleanRow(
        3,
        { name: 'x'.repeat(2000), phone: '13800138000', order_value: '', intent: '', tags: '' },
        mapping,
        options,
      ) as { reason: string }
    ).reason,
    'FIELD_TOO_LONG',
  );
  assert.equal(parseAmount('1200元'), 1200);
});
