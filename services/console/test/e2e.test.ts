// End to end in headless Chromium against the real platform: switch-sim, media, compliance,
// lead-ingest, the dialer and agent-sim as processes, the console gateway in this process.
// A supervisor signs in, creates a campaign, uploads leads, starts it and watches the wallboard
// move; an agent takes a call and dispositions it; the supervisor exports a report. Bad input
// (a wrong file type, an action on a campaign that changed, an expired session) shows a message.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Processes, REGIONS, availablePort, syntheticNumbers, testUrls, uniqueName } from '@outbound/testkit';
import { createLogger } from '@outbound/telemetry';
import { startConsole } from '../src/gateway/app.js';
import { encodeSession, hashPassword } from '../src/gateway/domain/session.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const servicePath = (name: string) => fileURLToPath(new URL(`../../../${name}/dist/src/main.js`, import.meta.url));
const artefacts = join(root, 'test-artifacts');
const readyAs = (message: string) => (line: Record<string, unknown>) => line['msg'] === message;

const SCENARIO = {
  name: 'console e2e',
  rules: [
    {
      outcomes: [
        { weight: 70, outcome: 'human', ringMs: { min: 500, max: 1_500 }, talkMs: { min: 2_000, max: 4_000 } },
        { weight: 15, outcome: 'busy', ringMs: { min: 300, max: 800 } },
        { weight: 15, outcome: 'no_answer' },
      ],
    },
  ],
  agents: { answerMs: { min: 100, max: 300 } },
};

const processes = new Processes();
let browser: Browser;
let gateway: Awaited<ReturnType<typeof startConsole>>;
let dialerAddress = '';
let dialerEnv: Record<string, string> = {};
let dialerChild: ChildProcess;
const sessionSecret = randomBytes(32).toString('hex');
const agentId = String(70_000 + Math.floor(Math.random() * 9_000));

before(async () => {
  mkdirSync(artefacts, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'console-e2e-'));
  const probe = uniqueName('console')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const urls = {
    NATS_URL: testUrls.nats,
    REDIS_URL: testUrls.redis,
    DATABASE_URL: testUrls.database,
    LOG_LEVEL: 'warn',
  };
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(SCENARIO));
  const key = randomBytes(32).toString('base64');
  const token = randomBytes(16).toString('hex');
  const [media, compliance, leadIngest, dialer] = (
    await Promise.all([availablePort(), availablePort(), availablePort(), availablePort()])
  ).map((p) => `127.0.0.1:${p}`);
  dialerAddress = dialer!;
  const sim = await processes.start(servicePath('switch-sim'), {}, (l) => l['msg'] === 'switch-sim listening', [
    '--listen',
    '127.0.0.1:0',
    '--scenario',
    scenario,
    '--seed',
    '5',
    '--speed-up',
    '2',
    '--ground-truth',
    join(dir, 'truth.jsonl'),
  ]);
  await Promise.all([
    processes.start(
      servicePath('media'),
      {
        ...urls,
        LOG_LEVEL: 'info',
        ESL_NODES: `fs1=127.0.0.1:${String(sim.ready['port'])}:ClueCon`,
        GRPC_ADDRESS: media!,
        DEFAULT_GATEWAY: 'carrier1',
        RECORDINGS_DIR: join(dir, 'rec'),
      },
      readyAs('media started'),
    ),
    processes.start(
      servicePath('compliance'),
      {
        ...urls,
        LOG_LEVEL: 'info',
        GRPC_ADDRESS: compliance!,
        COMPLIANCE_DB_SCHEMA: `${probe}_compliance`,
        COMPLIANCE_REDIS_PREFIX: probe,
        COMPLIANCE_DURABLE_PREFIX: probe,
        COMPLIANCE_BLIND_INDEX_SECRET: key,
        BLIND_INDEX_KEY: key,
      },
      readyAs('compliance ready'),
    ),
  ]);
  await processes.start(
    servicePath('lead-ingest'),
    {
      ...urls,
      LOG_LEVEL: 'info',
      GRPC_ADDRESS: leadIngest!,
      HTTP_ADDRESS: '127.0.0.1:0',
      LEAD_INGEST_SCHEMA: `${probe}_leads`,
      DEAD_NUMBERS_DURABLE: `${probe}_dead`,
      OPT_OUTS_DURABLE: `${probe}_optout`,
      DNC_ADDED_DURABLE: `${probe}_dncadded`,
      DNC_ADDED_FROM: 'new',
      PII_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      BLIND_INDEX_KEY: key,
      DEFAULT_REGION: 'CN',
      COMPLIANCE_ADDRESS: compliance!,
      PII_REVEAL_GRANTS: `dialer:${createHash('sha256').update(token).digest('hex')}`,
    },
    readyAs('lead-ingest ready'),
  );
  dialerEnv = {
    ...urls,
    LOG_LEVEL: 'info',
    GRPC_ADDRESS: dialer!,
    DIALER_SCHEMA: `${probe}_dialer`,
    DIALER_REDIS_PREFIX: probe,
    DIALER_DURABLE_PREFIX: probe,
    MEDIA_ADDRESS: media!,
    COMPLIANCE_ADDRESS: compliance!,
    LEAD_INGEST_ADDRESS: leadIngest!,
    LEAD_INGEST_REVEAL_TOKEN: token,
    WRAP_UP_MS: '120000',
  };
  dialerChild = (await processes.start(servicePath('dialer'), dialerEnv, readyAs('dialer ready'))).child;
  const usersFile = join(dir, 'users.json');
  const users = [
    { username: 'sue', role: 'supervisor', passwordHash: hashPassword('sue-pass') },
    { username: 'al', role: 'agent', agentId, passwordHash: hashPassword('al-pass') },
  ];
  writeFileSync(usersFile, JSON.stringify(users));
  gateway = await startConsole(
    {
      httpAddress: '127.0.0.1:0',
      dialerAddress: dialer!,
      leadIngestAddress: leadIngest!,
      complianceAddress: compliance!,
      users: users as never,
      sessionSecret,
      sessionTtlMs: 600_000,
      webDir: join(root, 'dist/web'),
      boardFlushMs: 50,
      amdFalsePositiveShare: 0,
      secureCookies: false,
    },
    createLogger({ service: 'console-e2e', level: 'warn' }),
  );
  // playwright gives every launch a fresh user-data-dir of its own (it refuses the flag).
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  processes.stopAll();
});

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(gateway.url);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=me]');
}

/** The page's error banner says what went wrong; it is dismissed afterwards. */
async function expectBanner(page: Page, text: RegExp): Promise<void> {
  const banner = page.getByTestId('banner-error');
  await banner.waitFor();
  assert.match((await banner.textContent()) ?? '', text);
  await banner.click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });

test('a supervisor runs a campaign and an agent takes a call, in a real browser', { timeout: 240_000 }, async () => {
  const campaignName = uniqueName('cons');
  const sup = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await signIn(sup, 'sue', 'sue-pass');

  await sup.fill('[data-testid=create-campaign] input[name=name]', campaignName);
  await sup.selectOption('[data-testid=create-campaign] select[name=dialMode]', 'progressive');
  await sup.click('[data-testid=create-campaign] button[type=submit]');
  const row = sup.locator('tr', { hasText: campaignName });
  await row.waitFor();
  const campaignId = await row.getAttribute('data-campaign');
  assert.ok(campaignId);
  await row.getByTestId('pacing').filter({ hasText: '×1.5 · AMD' }).waitFor();

  // A predictive campaign with its own abandon target, dial-ratio cap and AMD's false positives:
  // the dialer stores them (they reach its pacer) and the list shows them back.
  const predictiveName = uniqueName('pred');
  await sup.fill('[data-testid=create-campaign] input[name=name]', predictiveName);
  await sup.selectOption('[data-testid=create-campaign] select[name=dialMode]', 'predictive');
  await sup.fill('[data-testid=create-campaign] input[name=targetAbandonPct]', '2');
  await sup.fill('[data-testid=create-campaign] input[name=maxDialRatio]', '2.5');
  await sup.fill('[data-testid=create-campaign] input[name=amdFalsePositivePct]', '1');
  await sup.click('[data-testid=create-campaign] button[type=submit]');
  await sup
    .locator('tr', { hasText: predictiveName })
    .getByTestId('pacing')
    .filter({ hasText: '≤ 2.0% · ≤ ×2.5 · AMD (1.0%)' })
    .waitFor();

  // A wrong file type: refused with a message, nothing imported.
  await row
    .locator('input[name=leads]')
    .setInputFiles({ name: 'leads.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\0\0binary') });
  await expectBanner(sup, /wrong file type/);

  // Chinese, American, British and Australian numbers: some are inside a legal calling window at any
  // hour (fresh each run: compliance's caps remember the numbers called today).
  const numbers = syntheticNumbers(32, Date.now() % 1_000_000_007, REGIONS);
  const csv = `姓名,手机,编号\n${numbers.map((n, i) => `客户${i},${n},e${i}`).join('\n')}\n`;
  await row
    .locator('input[name=leads]')
    .setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await sup.getByTestId('import-result').filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
  await shot(sup, '01-campaign-and-upload');

  // The agent logs in to the campaign before it starts.
  const agent = await (await browser.newContext()).newPage();
  await signIn(agent, 'al', 'al-pass');
  await agent.goto(`${gateway.url}#/desk`);
  await agent.fill('input[name=deskCampaigns]', campaignId);
  await agent.click('button[name=login]');
  await agent.click('button[name=ready]');
  await agent.getByTestId('agent-state').filter({ hasText: 'ready' }).waitFor();

  await row.locator('button[name=start]').click();
  await row.getByTestId('state').filter({ hasText: 'running' }).waitFor();
  // Pausing with a stale page: the campaign is running, "resume" is refused with a clear message.
  await row.locator('button[name=resume]').click();
  await expectBanner(sup, /changed meanwhile/);

  await sup.goto(`${gateway.url}#/wallboard/${encodeURIComponent(campaignId)}`);
  await sup.waitForFunction(
    () => Number(document.querySelector('[data-testid=dialed] .tile-value')?.textContent ?? '0') > 0,
    undefined,
    { timeout: 60_000 },
  );
  await shot(sup, '02-wallboard');

  // The call reaches the agent's desk, masked; it ends and the agent dispositions it.
  await agent.getByTestId('screen-pop').waitFor({ timeout: 90_000 });
  const phone = await agent.getByTestId('pop-phone').textContent();
  assert.match(phone ?? '', /\*{4}/);
  // This agent may not see clear numbers: the reveal is refused with a message, the number stays masked.
  await agent.click('button[name=reveal]');
  await expectBanner(agent, /may not see clear numbers/);
  assert.match((await agent.getByTestId('pop-phone').textContent()) ?? '', /\*{4}/);
  await shot(agent, '03-screen-pop');
  await agent.getByTestId('disposition').waitFor({ timeout: 60_000 });
  await agent.check('input[name=grade][value=B]');
  await agent.fill('textarea[name=notes]', 'wants a call back');
  // A follow-up time in the past is refused with a message; one tomorrow is listed as due.
  const two = (n: number) => String(n).padStart(2, '0');
  // datetime-local takes the browser's local time, which is this process's.
  const local = (d: Date) =>
    `${String(d.getFullYear())}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
  await agent.fill('input[name=followUp]', local(new Date(Date.now() - 3_600_000)));
  await agent.click('button[name=save]');
  await expectBanner(agent, /must be in the future/);
  assert.equal(await agent.getByTestId('dispositions-saved').textContent(), '0', 'nothing saved');
  await agent.fill('input[name=followUp]', local(new Date(Date.now() + 86_400_000)));
  await agent.click('button[name=save]');
  await agent.getByTestId('dispositions-saved').filter({ hasText: '1' }).waitFor();
  const followUp = agent.getByTestId('follow-up').filter({ hasText: 'wants a call back' });
  await followUp.waitFor();
  assert.equal(await followUp.getAttribute('class'), 'due');
  await shot(agent, '04-disposition');

  // What compliance decided, with its evidence: the campaign's denials (if any) and the decisions
  // about a dialed number, shown masked.
  await sup.goto(`${gateway.url}#/denials/${encodeURIComponent(campaignId)}`);
  await sup.locator('[data-testid=denials], [data-testid=no-denials]').first().waitFor();
  let verdict: string | null = null;
  for (const number of numbers) {
    await sup.fill('input[name=lookupPhone]', number);
    await sup.click('button[name=lookup]');
    await sup.locator('[data-testid=decisions], [data-testid=no-decisions]').first().waitFor();
    if (await sup.getByTestId('decisions').isVisible()) {
      verdict = await sup.getByTestId('decision-verdict').first().textContent();
      assert.match((await sup.getByTestId('decision-phone').first().textContent()) ?? '', /\*{4}/);
      break;
    }
  }
  assert.ok(verdict === 'allowed' || verdict === 'denied', 'a dialed number has a decision on record');
  await shot(sup, '08-decisions');

  // Report and its audited CSV export.
  await sup.goto(`${gateway.url}#/reports`);
  await sup.fill('input[name=reportCampaigns]', campaignId);
  await sup.selectOption('select[name=by]', 'agent');
  await sup.click('button[name=run]');
  await sup.getByTestId('report').waitFor();
  const download = sup.waitForEvent('download');
  await sup.getByTestId('export').click();
  const file = await (await download).path();
  const text = readFileSync(file, 'utf8');
  assert.match(text, /group,dials,connects/);
  assert.match(text, new RegExp(agentId));
  await shot(sup, '05-report');

  // The dialer goes away: the wallboard says so, and resumes by itself when it is back.
  await sup.goto(`${gateway.url}#/wallboard/${encodeURIComponent(campaignId)}`);
  await sup.getByTestId('dialed').waitFor();
  await processes.stop(dialerChild);
  await sup.getByTestId('banner-info').waitFor({ timeout: 30_000 });
  await shot(sup, '06-backend-lost');
  dialerChild = (await processes.start(servicePath('dialer'), dialerEnv, readyAs('dialer ready'))).child;
  await sup.getByTestId('banner-info').waitFor({ state: 'detached', timeout: 60_000 });

  // An expired session: the page says so.
  const expired = encodeSession(
    { username: 'sue', role: 'supervisor', reveal: false, expiresAt: Date.now() - 1 },
    sessionSecret,
  );
  await sup.context().addCookies([{ name: 'console_session', value: expired, url: gateway.url }]);
  await sup.reload();
  await expectBanner(sup, /expired/);
  await shot(sup, '07-session-expired');
  await agent.click('button[name=logout]');
  void dialerAddress;
});
