// Campaigns as the API changes them: settings checked against the domain's rules, a lifecycle
// that refuses illegal moves, and the engine told of every state change it must act on.

import { randomUUID } from 'node:crypto';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@outbound/errors';
import {
  TRANSITIONS,
  canUpdate,
  illegalTransition,
  settingsViolations,
  type LifecycleCommand,
} from '../domain/campaign.js';
import type { Campaign, CampaignSettings, CampaignState } from '../domain/model.js';
import type { CampaignRuntime } from './engine-deps.js';
import type { CampaignFigures, CampaignStore, ComplianceGate, FiguresSource } from './ports.js';

export class ManageCampaigns {
  constructor(
    private readonly deps: {
      campaigns: CampaignStore;
      runtime: CampaignRuntime;
      compliance: ComplianceGate;
      newId?: () => string;
    },
  ) {}

  async create(campaignId: string, settings: CampaignSettings): Promise<Campaign> {
    checkSettings(settings);
    return this.deps.campaigns.create(campaignId || `c-${(this.deps.newId ?? randomUUID)()}`, settings);
  }

  async update(campaignId: string, settings: CampaignSettings): Promise<Campaign> {
    const current = await this.get(campaignId);
    if (!canUpdate(current.state))
      throw new FailedPreconditionError(`a ${current.state} campaign cannot be changed`, {
        reason: 'CAMPAIGN_CLOSED',
        details: { state: current.state },
      });
    checkSettings(settings);
    const updated = await this.deps.campaigns.updateSettings(campaignId, settings);
    // A running campaign's caller IDs and rule packs bind its next checks.
    if (updated.state === 'running' || updated.state === 'paused')
      await this.deps.compliance.setCampaignPolicy(updated);
    return updated;
  }

  async get(campaignId: string): Promise<Campaign> {
    const campaign = await this.deps.campaigns.get(campaignId);
    if (campaign === undefined) throw new NotFoundError('campaign', campaignId);
    return campaign;
  }

  /** Moves the campaign, then tells the engine; compliance knows the campaign's policy before its first dial. */
  async apply(command: Exclude<LifecycleCommand, 'finish'>, campaignId: string): Promise<Campaign> {
    const current = await this.get(campaignId);
    const { from, to } = TRANSITIONS[command];
    if (!(from as readonly CampaignState[]).includes(current.state)) throw illegalTransition(command, current.state);
    if (command === 'start') await this.deps.compliance.setCampaignPolicy(current);
    const moved = await this.deps.campaigns.transition(campaignId, from, to);
    const runtime = this.deps.runtime;
    await { start: runtime.started, pause: runtime.paused, resume: runtime.resumed, stop: runtime.stopped }[
      command
    ].call(runtime, moved);
    return moved;
  }
}

function checkSettings(settings: CampaignSettings): void {
  const violations = settingsViolations(settings);
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}

/**
 * A campaign's figures as a stream: at once, on every change, and at least once a second, until
 * `signal` aborts. Changes within `minGapMs` of an update are sent together in the next one (a
 * busy campaign changes hundreds of times a second; four updates a second keep a wallboard
 * within its second, and each update reads the stores).
 */
export async function* watchFigures(
  figures: FiguresSource,
  campaignId: string,
  signal: AbortSignal,
  everyMs = 1_000,
  minGapMs = 250,
): AsyncGenerator<CampaignFigures> {
  let wake: (() => void) | undefined;
  let changed = true;
  const unsubscribe = figures.onChange(campaignId, () => {
    changed = true;
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      changed = false;
      yield await figures.current(campaignId);
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, minGapMs));
      if (!changed)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, everyMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}
