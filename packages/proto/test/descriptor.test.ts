import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptorSet } from '../src/index.js';
import { EchoRequest } from '../src/gen/outbound/v1/diagnostics.js';

test('descriptor set holds every service file', () => {
  const text = descriptorSet().toString('latin1');
  for (const file of ['lead', 'rules', 'compliance', 'campaign', 'media', 'recording', 'diagnostics']) {
    assert.ok(text.includes(`outbound/v1/${file}.proto`), `${file}.proto missing from descriptor set`);
  }
  // Server reflection describes health and itself from the same set.
  for (const file of ['grpc/health/v1/health.proto', 'grpc/reflection/v1/reflection.proto'])
    assert.ok(text.includes(file), `${file} missing from descriptor set`);
});

test('generated messages round-trip through the wire format', () => {
  const bytes = EchoRequest.encode({ message: 'hello', repeat: 3 }).finish();
  assert.deepEqual(EchoRequest.decode(bytes), { message: 'hello', repeat: 3 });
});
