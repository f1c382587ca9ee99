import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, commonVars, loadConfig, vars } from '../src/index.js';

const shape = {
  ...commonVars,
  grpcPort: ['GRPC_PORT', vars.port().default(50051)],
  tickMs: ['PACING_TICK_MS', vars.durationMs().default(100)],
  dryRun: ['DRY_RUN', vars.bool().default(false)],
  gateways: ['GATEWAYS', vars.list().default([])],
} as const;

test('defaults apply and values are typed and frozen', () => {
  const config = loadConfig(shape, {});
  assert.equal(config.grpcPort, 50051);
  assert.equal(config.natsUrl, 'nats://127.0.0.1:4222');
  assert.equal(config.otlpEndpoint, undefined);
  assert.equal(config.dryRun, false);
  assert.ok(Object.isFrozen(config));
});

test('values are parsed from strings', () => {
  const cases: Array<[Record<string, string>, keyof typeof shape, unknown]> = [
    [{ GRPC_PORT: '7000' }, 'grpcPort', 7000],
    [{ PACING_TICK_MS: '2s' }, 'tickMs', 2000],
    [{ PACING_TICK_MS: '1.5m' }, 'tickMs', 90_000],
    [{ PACING_TICK_MS: '250' }, 'tickMs', 250],
    [{ DRY_RUN: 'yes' }, 'dryRun', true],
    [{ GATEWAYS: 'gw1, gw2,,' }, 'gateways', ['gw1', 'gw2']],
    [{ LOG_LEVEL: '' }, 'logLevel', 'info'],
  ];
  for (const [env, key, expected] of cases)
    assert.deepEqual(loadConfig(shape, env)[key], expected, JSON.stringify(env));
});

test('every bad variable is named in one error', () => {
  const env = { GRPC_PORT: '70000', NATS_URL: 'http://x', PACING_TICK_MS: 'soon', DRY_RUN: 'maybe' };
  assert.throws(
    () => loadConfig(shape, env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.issues.map((i) => i.variable).sort(), [
        'DRY_RUN',
        'GRPC_PORT',
        'NATS_URL',
        'PACING_TICK_MS',
      ]);
      assert.match(error.message, /GRPC_PORT: must be at most 65535/);
      return true;
    },
  );
});

test('a required variable that is missing is reported', () => {
  assert.throws(() => loadConfig({ key: ['PII_KEY', vars.string()] }, {}), /PII_KEY: is required/);
});

test('names used in SQL, keys and subjects are checked before they reach a query or a subject', () => {
  const names = {
    schema: ['SCHEMA', vars.sqlIdentifier()],
    prefix: ['PREFIX', vars.keySafeName()],
    durable: ['DURABLE', vars.subjectSafeName()],
  } as const;
  assert.deepEqual(
    { ...loadConfig(names, { SCHEMA: 'dialer_t1', PREFIX: 'test.a@b-1', DURABLE: 'dialer-t1' }) },
    { schema: 'dialer_t1', prefix: 'test.a@b-1', durable: 'dialer-t1' },
  );
  assert.throws(
    () => loadConfig(names, { SCHEMA: 'Dialer; drop', PREFIX: 'a b', DURABLE: 'a.b' }),
    /SCHEMA: must be a lower-case SQL identifier[\s\S]*PREFIX: must be a key-safe name[\s\S]*DURABLE: must be a subject-safe name/,
  );
});

test('METRICS_ADDRESS is off when unset and a wrong value is named', () => {
  const shape = { metricsAddress: commonVars.metricsAddress };
  assert.equal(loadConfig(shape, {}).metricsAddress, undefined);
  assert.equal(loadConfig(shape, { METRICS_ADDRESS: '0.0.0.0:9464' }).metricsAddress, '0.0.0.0:9464');
  assert.equal(loadConfig(shape, { METRICS_ADDRESS: '[::]:0' }).metricsAddress, '[::]:0');
  assert.throws(() => loadConfig(shape, { METRICS_ADDRESS: '9464' }), /METRICS_ADDRESS: must be host:port/);
  assert.throws(() => loadConfig(shape, { METRICS_ADDRESS: 'localhost:99999' }), /METRICS_ADDRESS: port must be/);
});
