import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRANSITIONS, canUpdate, illegalTransition, settingsViolations } from '../../src/domain/campaign.js';
import type { CampaignSettings, CampaignState } from '../../src/domain/model.js';
import { DEFAULT_RETRY_RULES } from '../../src/domain/retry-policy.js';

const valid: CampaignSettings = {
  name: 'spring sale',
  leadLists: [{ listId: 'list_1' }],
  hours: { startHour: 9, endHour: 20, weekdays: [1, 2, 3, 4, 5] },
  callerIds: ['+861051234567'],
  gateway: 'carrier1',
  retryRules: DEFAULT_RETRY_RULES,
  machineAction: 'hang_up',
  machineMessage: '',
  abandonMessage: 'ivr/sorry.wav',
  maxAttemptsPerLead: 3,
  modeSettings: { mode: 'progressive', ratio: 1.5 },
  requiredSkills: [],
  rulePacks: [],
  lineClass: 'standard',
  amd: false,
  ringTimeoutMs: 25_000,
  script: '',
};

test('valid settings have no violations', () => {
  assert.deepEqual(settingsViolations(valid), []);
});

test('each broken rule names its field', () => {
  const cases: Array<[Partial<CampaignSettings>, string]> = [
    [{ name: ' ' }, 'campaign.name'],
    [{ leadLists: [] }, 'campaign.lead_lists'],
    [{ leadLists: [{ listId: 'bad id' }] }, 'campaign.lead_lists[0].list_id'],
    [{ hours: { startHour: 9, endHour: 25, weekdays: [] } }, 'campaign.hours.end_hour'],
    [{ hours: { startHour: -1, endHour: 20, weekdays: [] } }, 'campaign.hours.start_hour'],
    [{ hours: { startHour: 20, endHour: 9, weekdays: [] } }, 'campaign.hours'],
    [{ hours: { startHour: 9, endHour: 20, weekdays: [8] } }, 'campaign.hours.weekdays'],
    [{ callerIds: ['12345'] }, 'campaign.caller_ids[0]'],
    [{ gateway: '' }, 'campaign.gateway'],
    [{ maxAttemptsPerLead: 0 }, 'campaign.max_attempts_per_lead'],
    [{ modeSettings: { mode: 'progressive', ratio: 0 } }, 'campaign.progressive.ratio'],
    [{ modeSettings: { mode: 'progressive', ratio: -1 } }, 'campaign.progressive.ratio'],
    [
      { modeSettings: { mode: 'predictive', targetAbandonRate: 0.2, maxDialRatio: 3 } },
      'campaign.predictive.target_abandon_rate',
    ],
    [
      { modeSettings: { mode: 'predictive', targetAbandonRate: 0.03, maxDialRatio: 6.5 } },
      'campaign.predictive.max_dial_ratio',
    ],
    [
      {
        modeSettings: { mode: 'predictive', targetAbandonRate: 0.03, maxDialRatio: 3, amdHumanFalsePositiveRate: 0.03 },
      },
      'campaign.predictive.amd_human_false_positive_rate',
    ],
    [
      {
        modeSettings: {
          mode: 'predictive',
          targetAbandonRate: 0.03,
          maxDialRatio: 3,
          amdHumanFalsePositiveRate: -0.01,
        },
      },
      'campaign.predictive.amd_human_false_positive_rate',
    ],
    [
      {
        modeSettings: {
          mode: 'agentless',
          maxConcurrentCalls: 0,
          callsPerSecond: 1,
          prompt: 'p',
          digitTimeoutMs: 5000,
        },
      },
      'campaign.agentless.max_concurrent_calls',
    ],
    [{ machineAction: 'leave_message', machineMessage: '' }, 'campaign.machine_message'],
    [{ retryRules: [{ outcome: 'busy', delayMs: -1, maxRetries: 1 }] }, 'campaign.retry_policy.rules[0].delay_ms'],
  ];
  for (const [change, field] of cases) {
    const fields = settingsViolations({ ...valid, ...change }).map((v) => v.field);
    assert.ok(fields.includes(field), `${field} in ${fields.join(', ')}`);
  }
});

test('the lifecycle allows exactly its transitions and names the state it refuses from', () => {
  const states: CampaignState[] = ['draft', 'running', 'paused', 'finished', 'stopped'];
  const allowed = Object.fromEntries(
    Object.entries(TRANSITIONS).map(([command, t]) => [
      command,
      states.filter((s) => (t.from as readonly string[]).includes(s)),
    ]),
  );
  assert.deepEqual(allowed, {
    start: ['draft'],
    pause: ['running'],
    resume: ['paused'],
    stop: ['draft', 'running', 'paused'],
    finish: ['running'],
  });
  const error = illegalTransition('resume', 'running');
  assert.equal(error.reason, 'ILLEGAL_CAMPAIGN_TRANSITION');
  assert.match(error.message, /running/);
  assert.deepEqual(states.filter(canUpdate), ['draft', 'running', 'paused']);
});
