import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import type { ServiceError } from '@grpc/grpc-js';
import { Status, statusDetails } from '@outbound/rpc';
import { uniqueName } from '@outbound/testkit';
import type { ListLeadsRequest } from '@outbound/proto/outbound/v1/lead';
import { ImportJobState } from '@outbound/proto/outbound/v1/lead';
import { header, importFile, importMessages, listLeads, rejectReport, startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

const CSV = [
  '姓名,手机,地区,意向度,客单价,课程意向',
  '张三,13800138000,广东,高,1500,数学',
  '李四,139-0013-9000,北京,中,200,英语',
  '王五,12345,上海,低,0,',
  '赵六,+86 138 0013 8000,广东,高,1500,数学',
  "钱七,=cmd|' /C calc'!A0,广东,高,1,",
].join('\r\n');

const list = (listId: string, reveal = false, extra: Partial<ListLeadsRequest> = {}) =>
  listLeads(h.client, listId, reveal, extra);
const report = (jobId: string) => rejectReport(h.client, jobId);

test('a UTF-8 CSV with Chinese headers: cleaned, deduplicated, tiered, masked, with a reject report', async () => {
  const listId = uniqueName('l');
  const { job } = await importFile(h.client, header(listId), Buffer.from(`\uFEFF${CSV}`, 'utf8'));
  assert.equal(job!.state, ImportJobState.IMPORT_JOB_STATE_SUCCEEDED);
  assert.deepEqual([job!.rowsRead, job!.rowsAccepted, job!.rowsRejected, job!.rowsDuplicate], [5, 2, 2, 1]);
  const masked = await list(listId);
  // Leads list in id order and ids are random: compare them sorted by masked number.
  const byPhone = (a: { phone: string }, b: { phone: string }) => a.phone.localeCompare(b.phone);
  assert.deepEqual(
    [...masked.leads]
      .sort(byPhone)
      .map((l) => [l.phone, l.name, l.tier, l.timeZone, l.numberType, l.customFields['课程意向']]),
    [
      ['+86138****8000', '张*', 'A', 'Asia/Shanghai', 1, '数学'],
      ['+86139****9000', '李*', 'D', 'Asia/Shanghai', 1, '英语'],
    ],
  );
  const clear = await list(listId, true);
  assert.deepEqual(clear.leads.map((l) => l.phone).sort(), ['+8613800138000', '+8613900139000']);
  // A group by need, kept as a custom field.
  assert.deepEqual(
    (await list(listId, false, { customFields: { 课程意向: '英语' } })).leads.map((l) => l.name),
    ['李*'],
  );
  assert.deepEqual((await list(listId, false, { customFields: { 课程意向: '英语', 其他: 'x' } })).leads, []);
  await assert.rejects(
    list(listId, false, { customFields: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, 'x'])) }),
    (error: ServiceError) => {
      assert.equal(error.code, Status.INVALID_ARGUMENT);
      assert.deepEqual(
        statusDetails(error).fieldViolations.map((v) => v.field),
        ['custom_fields'],
      );
      return true;
    },
  );
  const rows = await report(job!.jobId);
  assert.deepEqual(rows[0], ['line', 'outcome', 'column', 'value', 'reason']);
  assert.deepEqual(
    rows.slice(1).map((r) => [r[0], r[1], r[2], r.at(-1)]),
    [
      ['4', 'rejected', '手机', 'TOO_SHORT'],
      // A formula where the number should be is no number.
      ['6', 'rejected', '手机', 'INVALID_CHARACTERS'],
    ],
  );
  assert.ok(!rows.flat().some((cell) => /^[=+\-@\t\r]/.test(cell)), 'no cell of the report can start a formula');
  assert.ok(!rows.flat().some((cell) => cell.includes('13800138000')), 'no clear number in the report');
});

test('re-importing the same file adds nothing', async () => {
  const listId = uniqueName('l');
  await importFile(h.client, header(listId), Buffer.from(CSV));
  const { job } = await importFile(h.client, header(listId), Buffer.from(CSV));
  assert.deepEqual([job!.rowsAccepted, job!.rowsDuplicate, job!.rowsRejected], [0, 3, 2]);
  assert.equal((await list(listId)).leads.length, 2);
});

test('a GBK file with semicolons is detected and read', async () => {
  const listId = uniqueName('l');
  const gbk = iconv.encode('姓名;电话;地区\n欧阳娜娜;13700137000;深圳\n', 'gbk');
  const { job } = await importFile(h.client, header(listId), gbk, 5);
  assert.equal(job!.rowsAccepted, 1);
  const [lead] = (await list(listId, true)).leads;
  assert.deepEqual([lead!.name, lead!.region], ['欧阳娜娜', '深圳']);
});

test('an .xlsx workbook: the named sheet, formula cells rejected', async () => {
  const listId = uniqueName('l');
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('ignored').addRow(['phone']);
  const sheet = workbook.addWorksheet('客户');
  sheet.addRow(['name', 'mobile', 'tags']);
  sheet.addRow(['Alice', '13600136000', 'vip,新客']);
  sheet.addRow(['Bob', { formula: 'HYPERLINK("http://x","13500135000")' }, '']);
  const file = Buffer.from(await workbook.xlsx.writeBuffer());
  const { job } = await importFile(h.client, header(listId, { fileName: 'x.xlsx', sheetName: '客户' }), file);
  assert.deepEqual(
    [job!.state, job!.rowsAccepted, job!.rowsRejected],
    [ImportJobState.IMPORT_JOB_STATE_SUCCEEDED, 1, 1],
  );
  assert.deepEqual(
    (await list(listId, false, { tags: ['新客'] })).leads.map((l) => l.tags),
    [['vip', '新客']],
  );
});

test('JSON lines: bad lines are rejected with their line numbers', async () => {
  const listId = uniqueName('l');
  const file = Buffer.from(
    '{"phone":"13300133000","name":"甲","intent":"high","order_value":2000}\nnot json\n[1]\n{"phone":"abc"}\n',
  );
  const { job } = await importFile(h.client, header(listId, { format: 'jsonl' }), file);
  assert.deepEqual([job!.rowsRead, job!.rowsAccepted, job!.rowsRejected], [4, 1, 3]);
  assert.deepEqual(
    (await report(job!.jobId)).slice(1).map((r) => [r[0], r.at(-1)]),
    [
      ['2', 'MALFORMED_ROW'],
      ['3', 'MALFORMED_ROW'],
      ['4', 'INVALID_CHARACTERS'],
    ],
  );
});

test('rows over the stream import like a file', async () => {
  const listId = uniqueName('l');
  const row = (phone: string) => ({
    row: {
      externalId: '',
      phone,
      name: 'n',
      region: '',
      tags: [],
      customFields: { source: 'web' },
      intent: '',
      orderValue: '',
    },
  });
  const { job } = await importMessages(h.client, [
    { header: header(listId) },
    row('13100131000'),
    row('13100131000'),
    row('999'),
  ]);
  assert.deepEqual([job!.rowsAccepted, job!.rowsDuplicate, job!.rowsRejected], [1, 1, 1]);
  assert.equal((await list(listId)).leads[0]!.customFields['source'], 'web');
});

for (const [what, file, reason] of [
  ['a truncated CSV', Buffer.from('name,phone\n"张三,13800138000\n'), /truncated/],
  ['a 10 MB single line', Buffer.alloc(10 * 1024 * 1024, 'a'), /longer than/],
  ['a zip given as CSV', Buffer.from('PK\u0003\u0004rest'), /zip/],
  ['a broken xlsx', Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(1000, 7)]), /damaged|not a workbook/],
] as const) {
  test(`${what} fails the job with a clear reason and stores nothing`, async () => {
    const listId = uniqueName('l');
    const fileName = /xlsx/.test(what) ? 'x.xlsx' : 'x.csv';
    const { job } = await importFile(h.client, header(listId, { fileName }), file, 1 << 20);
    assert.equal(job!.state, ImportJobState.IMPORT_JOB_STATE_FAILED);
    assert.match(job!.failureReason, reason);
    assert.equal((await list(listId)).leads.length, 0);
  });
}

test('a file failing after thousands of good rows leaves no partial leads', async () => {
  const listId = uniqueName('l');
  const lines = ['name,phone'];
  for (let i = 0; i < 3000; i++) lines.push(`n${i},1380000${String(i).padStart(4, '0')}`);
  lines.push('"unterminated,13900000000');
  const { job } = await importFile(h.client, header(listId), Buffer.from(lines.join('\n')));
  assert.equal(job!.state, ImportJobState.IMPORT_JOB_STATE_FAILED);
  assert.equal((await list(listId)).leads.length, 0);
});

test('a bad header is INVALID_ARGUMENT naming the fields', async () => {
  const error = await importMessages(h.client, [
    { header: header('bad list id!', { defaultRegion: 'XX', delimiter: ';;' }) },
  ]).then(
    () => assert.fail('expected an error'),
    (e: ServiceError) => e,
  );
  assert.equal(error.code, Status.INVALID_ARGUMENT);
  const fields = statusDetails(error)
    .fieldViolations.map((v) => v.field)
    .sort();
  assert.deepEqual(fields, ['default_region', 'delimiter', 'list_id']);
});

test('ten imports at once all succeed: beyond four they wait their turn instead of starving the pool', async () => {
  const file = (k: number) =>
    Buffer.from(
      [
        'name,phone',
        ...Array.from({ length: 300 }, (_, i) => `n${i},139${String(k).padStart(2, '0')}${String(i).padStart(6, '0')}`),
      ].join('\n'),
    );
  const jobs = await Promise.all(
    Array.from({ length: 10 }, (_, k) => importFile(h.client, header(uniqueName('l')), file(k))),
  );
  assert.deepEqual(
    jobs.map(({ job }) => [job!.state, job!.rowsAccepted]),
    Array.from({ length: 10 }, () => [ImportJobState.IMPORT_JOB_STATE_SUCCEEDED, 300]),
  );
});
