import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { tracing } from '@opentelemetry/sdk-node';
import {
  createLogger,
  extractTraceContext,
  injectTraceContext,
  instrument,
  maskName,
  redactText,
  startTelemetry,
} from '../src/index.js';

const memory = new tracing.InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: 'telemetry-test',
  spanProcessors: [new tracing.SimpleSpanProcessor(memory)],
});
test.after(() => telemetry.shutdown());

function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: createLogger({ service: 'svc', version: '1.2.3', destination, level: 'debug' }), lines };
}

test('phone numbers and names are masked', () => {
  assert.equal(maskName('张三丰'), '张**');
  assert.equal(maskName('Alice Smith'), 'A**** S****');
  assert.equal(
    redactText('originate sofia/gateway/gw1/13800138000 failed'),
    'originate sofia/gateway/gw1/138****8000 failed',
  );
  assert.equal(redactText('attempt 42 of campaign 7'), 'attempt 42 of campaign 7');
  assert.equal(
    redactText('uuid_kill 12345678-1234-4826-a624-000000139000 for 13800138000'),
    'uuid_kill 12345678-1234-4826-a624-000000139000 for 138****8000',
  );
});

test('logs carry service, version and trace ids and never a full number or name', async () => {
  const { logger, lines } = captureLogger();
  await instrument('unit', {}, async (span) => {
    logger.info({ phone: '13800138000', lead: { name: '王小明', phone: '+8613900139000' } }, 'dialing 13800138000');
    logger.error({ err: new Error('busy at 13800138000') }, 'failed');
    assert.equal(lines[0]?.['trace_id'], span.spanContext().traceId);
  });
  const text = JSON.stringify(lines);
  assert.ok(!text.includes('13800138000') && !text.includes('13900139000') && !text.includes('小明'), text);
  assert.equal(lines[0]?.['service'], 'svc');
  assert.equal(lines[0]?.['version'], '1.2.3');
  assert.equal(lines[0]?.['phone'], '138****8000');
  assert.equal((lines[0]?.['lead'] as Record<string, string>)['name'], '王**');
  assert.equal(lines[0]?.['msg'], 'dialing 138****8000');
  assert.match(JSON.stringify(lines[1]?.['err']), /busy at 138\*\*\*\*8000/);
});

test('instrument records errors with masked messages and W3C context round-trips', async () => {
  memory.reset();
  await assert.rejects(
    instrument('failing', { attributes: { 'attempt.id': 'a1' } }, async () => {
      throw new Error('no route to 13800138000');
    }),
  );
  const [span] = memory.getFinishedSpans();
  assert.equal(span?.name, 'failing');
  assert.equal(span?.status.code, 2);
  assert.equal(span?.status.message, 'no route to 138****8000');

  const carrier: Record<string, string> = {};
  let parentTrace = '';
  await instrument('parent', {}, async (parent) => {
    parentTrace = parent.spanContext().traceId;
    injectTraceContext(carrier);
  });
  assert.match(carrier['traceparent'] ?? '', new RegExp(`^00-${parentTrace}-[0-9a-f]{16}-01$`));
  await instrument('child', { parent: extractTraceContext(carrier) }, async (child) => {
    assert.equal(child.spanContext().traceId, parentTrace);
  });
});
