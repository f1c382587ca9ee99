// The dialer's own series. Campaign ids are labels (an operator's bounded set); lead ids, numbers
// and names never are. Counts and the answer-to-bridge time are recorded as they happen; the
// per-campaign gauges are read at each collection from what the campaigns' last ticks saw, so a
// scrape costs no Redis or database round trip.

import {
  AttributeCache,
  SECONDS_BUCKETS,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
} from '@outbound/telemetry';
import type { AttemptOutcome } from '../../domain/model.js';
import type { CampaignView, EngineMetrics } from '../../use-cases/engine.js';

const AGENT_STATES = ['ready', 'reserved', 'talking', 'wrapUp', 'paused'] as const;
const STATE_LABEL: Record<(typeof AGENT_STATES)[number], string> = {
  ready: 'ready',
  reserved: 'reserved',
  talking: 'talking',
  wrapUp: 'wrap_up',
  paused: 'paused',
};

export class DialerMetrics implements EngineMetrics {
  private readonly ended: Counter;
  private readonly bridgeWait: Histogram;
  private readonly campaigns = new AttributeCache(10_000);
  private readonly outcomes = new AttributeCache(10_000);
  private readonly states = new AttributeCache(50_000);
  private readonly windows = new AttributeCache(50_000);

  constructor(meter: Meter, views: () => readonly CampaignView[]) {
    this.ended = meter.createCounter('dialer.calls.ended', {
      unit: '{call}',
      description: 'Call attempts ended, by campaign and outcome',
    });
    this.bridgeWait = meter.createHistogram('dialer.answer_to_bridge.duration', {
      unit: 's',
      description: 'From a live answer to the customer being bridged to an agent',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    const gauge = (name: string, unit: string, description: string) =>
      meter.createObservableGauge(name, { unit, description });
    const pacing = gauge('dialer.pacing.ratio', '1', 'Calls in flight not with an agent, per agent able to take one');
    const hopper = gauge('dialer.hopper.depth', '{lead}', 'Leads waiting in the campaign hopper');
    const active = gauge('dialer.calls.active', '{call}', 'Calls in flight run by this replica (preStop waits for 0)');
    const agents = gauge('dialer.agents', '{agent}', 'Agents logged in to the campaign, by state');
    const occupancy = gauge('dialer.agents.occupancy', '1', 'Share of logged-in agents reserved for or on a call');
    const abandonRatio = gauge('dialer.abandon.ratio', '1', 'Abandoned / live answers in the regulatory window');
    const abandonLimit = gauge('dialer.abandon.limit', '1', "The window's abandon-rate limit");
    meter.addBatchObservableCallback(
      (result) => {
        for (const view of views()) {
          const campaign = this.campaign(view.campaignId);
          result.observe(active, view.activeCalls, campaign);
          for (const w of view.abandonWindows) {
            const a = this.windows.get(`${view.campaignId}\u0000${w.rulePack}\u0000${w.windowDays}`, () => ({
              campaign: view.campaignId,
              rule_pack: w.rulePack,
              window_days: w.windowDays,
            }));
            result.observe(abandonRatio, w.rate, a);
            result.observe(abandonLimit, w.limit, a);
          }
          const tick = view.tick;
          if (tick === undefined) continue;
          result.observe(pacing, tick.pacingRatio, campaign);
          result.observe(hopper, tick.hopper, campaign);
          for (const state of AGENT_STATES)
            result.observe(
              agents,
              tick.agents[state],
              this.states.get(`${view.campaignId}\u0000${state}`, () => ({
                campaign: view.campaignId,
                state: STATE_LABEL[state],
              })),
            );
          const loggedIn = tick.agents.loggedIn;
          result.observe(
            occupancy,
            loggedIn > 0 ? (tick.agents.talking + tick.agents.reserved) / loggedIn : 0,
            campaign,
          );
        }
      },
      [pacing, hopper, active, agents, occupancy, abandonRatio, abandonLimit],
    );
  }

  callEnded(campaignId: string, outcome: AttemptOutcome): void {
    this.ended.add(
      1,
      this.outcomes.get(`${campaignId}\u0000${outcome}`, () => ({ campaign: campaignId, outcome })),
    );
  }

  answerToBridge(campaignId: string, seconds: number): void {
    this.bridgeWait.record(Math.max(0, seconds), this.campaign(campaignId));
  }

  private campaign(campaignId: string): Attributes {
    return this.campaigns.get(campaignId, () => ({ campaign: campaignId }));
  }
}
