import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ListLeadsRequest, ListLeadsResponse } from '@outbound/proto/outbound/v1/lead';
import { uniqueName } from '@outbound/testkit';
import { Metadata, startHarness, unary, type Harness } from './harness.js';

const run = promisify(execFile);
const cli = new URL('../../src/cli/import.js', import.meta.url).pathname;
let h: Harness;
let dir: string;
before(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'lead-cli-'));
});
after(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function importCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--address', h.grpcAddress]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('CLI: imports a file with an explicit column mapping, prints the counts and saves the masked reject report', async () => {
  const listId = uniqueName('l');
  const file = join(dir, 'leads.csv');
  // Headers auto-detection would not know: mapped on the command line.
  writeFileSync(file, '联系方式;客户;备注\n13800138021;周八;vip\n12345;吴九;x\n13800138022;郑十;\n');
  const report = join(dir, 'rejects.csv');
  const result = await importCli([
    file,
    '--list',
    listId,
    '--delimiter',
    ';',
    '--map',
    '联系方式=phone',
    '--map',
    '客户=name',
    '--map',
    '备注=custom.note',
    '--rejects',
    report,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /state succeeded/);
  assert.match(result.stdout, /read 3 {2}accepted 2 {2}rejected 1 {2}duplicate 0/);
  const csv = readFileSync(report, 'utf8');
  assert.match(csv, /^\uFEFFline,outcome,column,value,reason\n3,rejected,联系方式,/);
  assert.ok(!csv.includes('12345'), 'the rejected value is masked');
  const request: ListLeadsRequest = {
    listId,
    tier: '',
    tags: [],
    region: '',
    status: 0,
    intent: '',
    customFields: {},
    page: { pageSize: 10, pageToken: '' },
  };
  const { leads } = await unary<ListLeadsRequest, ListLeadsResponse>(
    h.client.listLeads,
    h.client,
    request,
    new Metadata(),
  );
  assert.deepEqual(
    leads.map((l) => l.customFields['note'] ?? ''),
    ['vip', ''],
  );
});

test('CLI: bad arguments exit 64 with the usage; a failed job exits 1 with its reason', async () => {
  const missing = await importCli(['--list', 'x']);
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /usage: import <file>/);
  const badMap = await importCli([join(dir, 'none.csv'), '--list', 'x', '--map', 'phone']);
  assert.equal(badMap.code, 64);
  assert.match(badMap.stderr, /--map phone: expected <column>=<target>/);
  // Arguments only the service can judge (a region it does not know, a mapping target it has not) exit 64 too.
  const csv = join(dir, 'one.csv');
  writeFileSync(csv, 'phone\n13800138000\n');
  for (const args of [
    ['--region', 'XX'],
    ['--map', 'phone=nonsense'],
  ]) {
    const refused = await importCli([csv, '--list', uniqueName('l'), ...args]);
    assert.equal(refused.code, 64, `${args.join(' ')}: ${refused.stderr}`);
    assert.match(refused.stderr, /the service refused an argument: .+\nusage: import <file>/);
  }
  const zip = join(dir, 'not.csv');
  writeFileSync(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
  const failed = await importCli([zip, '--list', uniqueName('l')]);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /state failed/);
  assert.match(failed.stdout, /reason: /);
});
