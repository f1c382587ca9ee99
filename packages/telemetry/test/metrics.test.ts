import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerMetrics, RpcServerMetrics, startMetrics, subjectPrefix } from '../src/index.js';

test('subjectPrefix drops ids and numbers', () => {
  assert.equal(subjectPrefix('dialer.call.answered.c-123.+15551234567'), 'dialer.call');
});

test('Prometheus endpoint serves rpc and consumer series', async () => {
  const m = await startMetrics({ serviceName: 'metrics-test', address: '127.0.0.1:0' });
  try {
    assert.ok(m.port && m.port > 0);
    new RpcServerMetrics(m.meter, 'outbound.v1.Rules').record('Evaluate', 0, 0.002);
    new ConsumerMetrics(m.meter).record('leads.imported.abc', 0.001, true);
    const body = await (await fetch(`http://127.0.0.1:${m.port}/metrics`)).text();
    assert.match(body, /rpc_server_duration_count\{[^}]*rpc_method="Evaluate"[^}]*\} 1/);
    assert.match(body, /messaging_process_errors_total\{[^}]*messaging_destination_name="leads.imported"/);
    assert.doesNotMatch(body, /abc/);
    assert.match(body, /rpc_server_duration_bucket\{[^}]*le="0.0025"\} 1/);
    // The event loop's delay since the last scrape: a 60 ms block shows in the max (after the
    // sampling timer's first tick: the interval a reset falls in is not measured).
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = Date.now() + 60;
    while (Date.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const runtime = await (await fetch(`http://127.0.0.1:${m.port}/metrics`)).text();
    const max = Number(/^nodejs_eventloop_delay_max(?:_seconds)?(?:\{[^}]*\})? ([0-9.e-]+)$/m.exec(runtime)?.[1]);
    assert.ok(max >= 0.05 && max < 5, `event loop delay max ${String(max)} s after a 60 ms block`);
    assert.match(runtime, /^nodejs_eventloop_delay_p99/m);
  } finally {
    await m.shutdown();
  }
});

test('metrics are off without an address, and a bad port is refused', async () => {
  const off = await startMetrics({ serviceName: 'metrics-test' });
  assert.equal(off.port, undefined);
  await assert.rejects(startMetrics({ serviceName: 'x', address: '127.0.0.1:99999' }), /METRICS_ADDRESS/);
});
