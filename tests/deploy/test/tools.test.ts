// The tools the images carry for Kubernetes: the preStop drain hook against a metrics endpoint whose
// active-calls gauge falls to 0, and its fallbacks (no metric named, metrics unreadable).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './support/dockerfile.js';

const run = promisify(execFile);
const DRAIN = join(ROOT, 'deploy/docker/tools/drain-wait.mjs');

describe('tools/drain-wait.mjs (preStop)', () => {
  let scrapes = 0;
  // Two calls in progress on the first scrapes, then none: the hook must wait for the 0.
  const server = createServer((_request, response) => {
    scrapes++;
    const active = scrapes < 3 ? 1 : 0;
    response.end(
      `# TYPE outbound_active_calls gauge\noutbound_active_calls{node="fs1"} ${active}\noutbound_active_calls{node="fs2"} ${active}\nother 5\n`,
    );
  });
  after(() => server.close());

  test('waits until the named gauge reads 0 on every series', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const { stdout } = await run(process.execPath, [DRAIN], {
      env: {
        ...process.env,
        DRAIN_SETTLE_SECONDS: '0',
        DRAIN_METRIC: 'outbound_active_calls',
        METRICS_PORT: String(port),
      },
    });
    assert.match(stdout, /outbound_active_calls is 0/);
    assert.ok(scrapes >= 3, `scraped until the gauge fell (${scrapes} scrapes)`);
  });

  test('gives the drain to SIGTERM when the metrics cannot be read, and exits 0', async () => {
    const { stdout } = await run(process.execPath, [DRAIN], {
      env: { ...process.env, DRAIN_SETTLE_SECONDS: '0', DRAIN_METRIC: 'outbound_active_calls', METRICS_PORT: '1' },
    });
    assert.match(stdout, /metrics not readable/);
  });

  test('with no metric named it only waits the settle time', async () => {
    const { stdout } = await run(process.execPath, [DRAIN], {
      env: { ...process.env, DRAIN_SETTLE_SECONDS: '0', DRAIN_METRIC: '' },
    });
    assert.equal(stdout, '');
  });
});
