import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { uniqueName } from '@outbound/testkit';
import { ImportJobState, type ImportJob, type Lead } from '@outbound/proto/outbound/v1/lead';
import { header, importFile, listLeads, rejectReport, startHarness, type Harness } from './harness.js';

// A corpus of the files customers really send, each generated here with its expected outcome:
// every row kept or refused with a reason, and nothing lost for a name or a line ending.

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

interface Outcome {
  job: ImportJob;
  /** Revealed leads by name. */
  leads: Map<string, Lead>;
  /** Report rows after the header: [line, outcome, column, value, reason]. */
  report: string[][];
}

async function importOf(file: Buffer, extra: Parameters<typeof header>[1] = {}): Promise<Outcome> {
  const listId = uniqueName('l');
  const { job } = await importFile(h.client, header(listId, extra), file);
  const leads = new Map((await listLeads(h.client, listId, true)).leads.map((lead) => [lead.name, lead]));
  return { job: job!, leads, report: (await rejectReport(h.client, job!.jobId)).slice(1) };
}

const succeeded = ImportJobState.IMPORT_JOB_STATE_SUCCEEDED;
const csv = (...lines: string[]) => Buffer.from(lines.join('\r\n'));

test('numbers with an extension are kept, the extension in its own field and counted in the summary', async () => {
  const { job, leads, report } = await importOf(
    csv(
      '姓名,电话',
      'a,13812345678 ext. 12',
      'b,010-65529988 x123',
      'c,010-65529988 转 8001',
      'd,(021)6552-9988 分机:12',
    ),
  );
  assert.deepEqual([job.state, job.rowsAccepted, job.rowsWithExtension, job.rowsNoted], [succeeded, 4, 4, 4]);
  assert.deepEqual(
    ['a', 'b', 'c', 'd'].map((name) => [leads.get(name)?.phone, leads.get(name)?.extension]),
    [
      ['+8613812345678', '12'],
      ['+861065529988', '123'],
      ['+861065529988', '8001'],
      ['+862165529988', '12'],
    ],
  );
  assert.deepEqual(
    report.map((r) => [r[0], r[1], r[4]]),
    ['2', '3', '4', '5'].map((line) => [line, 'kept', 'EXTENSION_KEPT']),
  );
  assert.ok(!report.flat().some((cell) => cell.includes('12345678')), 'numbers masked in the report');
});

test('mixed line endings are read; a name with a raw line break is joined, with the row noted', async () => {
  const file = Buffer.from(
    '姓名,电话\r\n甲,13800138001\r\n"乙\r\n二",13800138002\n丙,13800138003\n"丁\n四",13800138004\r\n戊,13800138005\r',
  );
  const { job, leads, report } = await importOf(file);
  assert.deepEqual([job.state, job.rowsRead, job.rowsAccepted, job.rowsRejected], [succeeded, 5, 5, 0]);
  assert.deepEqual([...leads.keys()].sort(), ['丁 四', '丙', '乙 二', '戊', '甲'].sort());
  assert.deepEqual(
    report.map((r) => [r[1], r[2], r[4]]),
    [
      ['kept', '姓名', 'LINE_BREAKS_REPLACED'],
      ['kept', '姓名', 'LINE_BREAKS_REPLACED'],
    ],
  );
});

test('stray NUL bytes are cleaned and noted wherever they sit; a mostly binary file is refused', async () => {
  const rows = ['name,phone', 'a\u0000b,13800138001'];
  // Past the first 64 KiB, where the file's kind is judged.
  for (let i = 0; i < 3000; i++) rows.push(`filler${i},1390013${String(i).padStart(4, '0')}`);
  rows.push('c\u0000d,13800138002', 'e,1380013\u00008003');
  const { job, report } = await importOf(Buffer.from(rows.join('\n')));
  assert.ok(Buffer.byteLength(rows.join('\n')) > 64 * 1024);
  assert.deepEqual([job.state, job.rowsAccepted, job.rowsRejected], [succeeded, 3003, 0]);
  assert.deepEqual(
    report.map((r) => [r[0], r[2], r[4]]),
    [
      ['2', 'name', 'CONTROL_CHARACTERS_REMOVED'],
      ['3003', 'name', 'CONTROL_CHARACTERS_REMOVED'],
      ['3004', 'phone', 'CONTROL_CHARACTERS_REMOVED'],
    ],
  );
  const small = await importOf(Buffer.from('name,phone\nx\u0000y,13800138009\n'));
  assert.equal(small.leads.get('xy')?.phone, '+8613800138009', 'the NUL byte is gone from the name');
  const binary = Buffer.alloc(4096);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 251;
  const refused = await importOf(binary);
  assert.equal(refused.job.state, ImportJobState.IMPORT_JOB_STATE_FAILED);
  assert.match(refused.job.failureReason, /binary/);
});

test('formula-like names are kept verbatim and neutralised in the report', async () => {
  const { job, leads, report } = await importOf(
    csv(
      '姓名,电话,备注',
      '=HYPERLINK("http://x"),13800138001,',
      '"=HYPERLINK(""http://y"")",13800138006,',
      '+86 张三,13800138002,',
      '@SUM(A1),13800138003,',
      '-2+3,13800138004,',
      '=1\u0000+1,13800138005,',
    ),
  );
  assert.deepEqual([job.state, job.rowsAccepted, job.rowsRejected], [succeeded, 6, 0]);
  for (const name of ['=HYPERLINK("http://x")', '=HYPERLINK("http://y")', '+86 张三', '@SUM(A1)', '-2+3', '=1+1'])
    assert.ok(leads.has(name), `${name} kept as written`);
  // The noted NUL row's masked name starts with "=": the report quotes it.
  assert.deepEqual(
    report.map((r) => [r[0], r[3]!.startsWith("'="), r[4]]),
    [['7', true, 'CONTROL_CHARACTERS_REMOVED']],
  );
});

test('a file with a header and no rows succeeds with zero rows and a warning', async () => {
  for (const file of [Buffer.from('name,phone\r\n'), Buffer.from('\uFEFFname,phone')]) {
    const { job } = await importOf(file);
    assert.deepEqual([job.state, job.rowsRead, job.rowsAccepted], [succeeded, 0, 0]);
    assert.match(job.warnings.join(' '), /header but no data rows/);
    assert.equal(job.failureReason, '');
  }
});

test('spreadsheet damage: scientific notation, lost leading zero, ".0", full-width digits, +86 0 trunk prefix', async () => {
  const { job, leads, report } = await importOf(
    csv(
      'name,phone',
      'sci,1.3812345678E+10',
      'rounded,1.38123E+10',
      'zero,1065529988',
      'decimal,13812345679.0',
      'wide,＋８６ １３８ １２３４ ５６７０',
      'trunk,+86 010 6552 9989',
    ),
  );
  assert.deepEqual([job.state, job.rowsAccepted, job.rowsRejected], [succeeded, 5, 1]);
  assert.deepEqual(
    ['sci', 'zero', 'decimal', 'wide', 'trunk'].map((name) => leads.get(name)?.phone),
    ['+8613812345678', '+861065529988', '+8613812345679', '+8613812345670', '+861065529989'],
  );
  assert.deepEqual(
    report.map((r) => [r[0], r[1], r[4]]),
    [
      ['2', 'kept', 'EXPANDED_SCIENTIFIC_NOTATION'],
      ['3', 'rejected', 'DIGITS_LOST_IN_SCIENTIFIC_NOTATION'],
    ],
  );
});

test('Hong Kong, Taiwan and Macau numbers in a Chinese list, with or without + or 00', async () => {
  const { job, leads, report } = await importOf(
    csv(
      'name,phone',
      'hk,+852 9123 4567',
      'hk00,00852 9123 4568',
      'hkbare,852 9123 4569',
      'tw,+886 912 345 678',
      'tw0,+886 0912 345 679',
      'mo,+853 6612 3456',
    ),
  );
  assert.deepEqual([job.state, job.rowsAccepted], [succeeded, 6]);
  assert.deepEqual(
    ['hk', 'hk00', 'hkbare', 'tw', 'tw0', 'mo'].map((name) => [leads.get(name)?.phone, leads.get(name)?.country]),
    [
      ['+85291234567', 'HK'],
      ['+85291234568', 'HK'],
      ['+85291234569', 'HK'],
      ['+886912345678', 'TW'],
      ['+886912345679', 'TW'],
      ['+85366123456', 'MO'],
    ],
  );
  assert.deepEqual(
    report.map((r) => [r[0], r[4]]),
    [['4', 'ADDED_PLUS_TO_COUNTRY_CODE']],
  );
  assert.equal(leads.get('hk')?.timeZone, 'Asia/Hong_Kong');
});

test('duplicate header names both survive as custom fields', async () => {
  const { leads } = await importOf(csv('姓名,电话,备注,备注', '甲,13800138000,first,second'));
  assert.deepEqual(leads.get('甲')?.customFields, { 备注: 'first', 备注_2: 'second' });
});

test('UTF-16 files, with and without a byte-order mark, little and big endian', async () => {
  const text = '姓名\t电话\r\n张三\t13800138000\r\n';
  const encodings: Array<[string, Buffer]> = [
    ['utf-16le with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')])],
    ['utf-16be with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf-16be')])],
    ['utf-16le without BOM', iconv.encode(text, 'utf-16le')],
    ['utf-16be without BOM', iconv.encode(text, 'utf-16be')],
  ];
  for (const [what, file] of encodings) {
    const { job, leads } = await importOf(file);
    assert.deepEqual([job.state, job.rowsAccepted], [succeeded, 1], what);
    assert.equal(leads.get('张三')?.phone, '+8613800138000', what);
  }
});

test('a workbook with several sheets: the first is read and the others named in a warning; formula cells give their value', async () => {
  const workbook = new ExcelJS.Workbook();
  const first = workbook.addWorksheet('客户');
  first.addRow(['name', 'mobile']);
  first.addRow(['Alice', 13600136000]);
  first.addRow(['Bob', { formula: 'A1&""', result: '13500135000' }]);
  workbook.addWorksheet('说明').addRow(['only a note']);
  const other = workbook.addWorksheet('第二批');
  other.addRow(['name', 'mobile']);
  other.addRow(['Carol', '13400134000']);
  const file = Buffer.from(await workbook.xlsx.writeBuffer());
  const { job, leads } = await importOf(file, { fileName: 'x.xlsx' });
  assert.deepEqual([job.state, job.rowsAccepted], [succeeded, 2]);
  assert.deepEqual(
    ['Alice', 'Bob'].map((name) => leads.get(name)?.phone),
    ['+8613600136000', '+8613500135000'],
  );
  assert.deepEqual(job.warnings.length, 1);
  assert.match(job.warnings[0]!, /"第二批"/);
  assert.doesNotMatch(job.warnings[0]!, /说明/, 'a sheet without rows is not worth a warning');
});
