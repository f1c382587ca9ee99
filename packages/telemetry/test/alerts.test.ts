import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
// dist/test/ -> repository root
const rulesDir = fileURLToPath(new URL('../../../../deploy/prometheus/', import.meta.url));

test('alert rules pass promtool check and unit tests', async () => {
  const check = await run('promtool', ['check', 'rules', 'alerts.yaml'], { cwd: rulesDir });
  assert.match(check.stdout, /SUCCESS: 4 rules found/);
  const unit = await run('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: rulesDir });
  assert.match(unit.stdout, /SUCCESS/);
});
