import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAL_FIELDS, REPLY_FIELDS, dialStateScript, encodeDial } from '../../src/adapters/redis/dial-state.js';

test('dial layout: a dial is encoded in DIAL_FIELDS order, and the script unpacks exactly those names', () => {
  const named = Object.fromEntries(DIAL_FIELDS.map((field) => [field, field])) as Record<
    (typeof DIAL_FIELDS)[number],
    string
  >;
  assert.equal(encodeDial(named), `${DIAL_FIELDS.join(',')},;`);
  assert.match(
    dialStateScript,
    new RegExp(`\\nfor ${DIAL_FIELDS.join(', ')} in string\\.gmatch\\(ARGV\\[7\\], DIAL\\) do\\n`),
  );
  assert.match(dialStateScript, new RegExp(`string\\.rep\\(FIELD, ${DIAL_FIELDS.length}\\)`));
  const body = dialStateScript.slice(dialStateScript.indexOf(' in string.gmatch('));
  for (const field of DIAL_FIELDS)
    assert.match(body, new RegExp(`\\b${field}\\b`), `the script reads ${field} (an unused field is a layout slip)`);
});

test('dial layout: the script returns REPLY_FIELDS in order, each declared once as a local of the loop', () => {
  const emit = `${REPLY_FIELDS.map((_, i) => `out[n + ${i + 1}]`).join(', ')} = ${REPLY_FIELDS.join(', ')}; n = n + ${REPLY_FIELDS.length}`;
  assert.ok(dialStateScript.includes(emit));
  const locals = [...dialStateScript.matchAll(/^\s*local ([A-Za-z, ]+) = /gm)].flatMap((m) => m[1]!.split(/,\s*/));
  for (const field of REPLY_FIELDS)
    assert.equal(locals.filter((name) => name === field).length, 1, `${field} is one local of the loop`);
  assert.doesNotMatch(dialStateScript, /\$[A-Z_]+/);
});
