// Preview mode: a lead is offered to a ready agent (reserved for it) before anything is dialed;
// the agent accepts (compliance, originate, and the answer is bridged to that agent) or skips
// (the lead goes back, due again a little later). An offer not answered in time counts as a skip.

import { FailedPreconditionError } from '@outbound/errors';
import type { Attempt } from '../domain/model.js';
import type { CampaignRunner, EngineContext, LiveCall } from './campaign-runner.js';
import type { PreviewDecisions } from './ports.js';

interface Offer {
  readonly agentId: string;
  readonly runner: CampaignRunner;
  readonly call: LiveCall;
  readonly timer: NodeJS.Timeout;
}

/** A skipped lead is due again after this (so the next offer is another lead). */
const SKIPPED_RETRY_MS = 60_000;

export class PreviewDesk implements PreviewDecisions {
  private readonly offers = new Map<string, Offer>();

  constructor(private readonly ctx: EngineContext) {}

  /** Offers one lead to each ready agent of the campaign with no offer pending. */
  async offerToReadyAgents(runner: CampaignRunner): Promise<void> {
    if (!runner.isLaunching) return;
    const { deps } = this.ctx;
    const ready = (await deps.agents.list(runner.campaignId)).filter((a) => a.state === 'ready');
    for (const agent of ready) {
      const [lease] = await deps.hopper.pop(runner.campaignId, 1, runner.fence);
      if (!lease) return;
      const attemptId = this.ctx.newId();
      const held = await deps.agents.reserve({
        campaignId: runner.campaignId,
        attemptId,
        leadId: lease.leadId,
        skills: runner.campaign.settings.requiredSkills,
        agentId: agent.agentId,
      });
      if (!held) {
        // The agent went elsewhere meanwhile: the lead goes back as it was.
        const stored = await deps.leads.get(runner.campaignId, lease.leadId);
        await deps.hopper.release(runner.campaignId, lease, {
          priority: stored?.priority ?? 0,
          dueAt: stored?.nextAttemptAt ?? this.ctx.now(),
        });
        continue;
      }
      const begun = await runner.begin(lease, attemptId);
      if (!begun) {
        await deps.agents.release(agent.agentId, attemptId);
        continue;
      }
      begun.call.agentId = agent.agentId;
      begun.call.presetAgent = true;
      const mode = runner.campaign.settings.modeSettings;
      const timeoutMs = mode.mode === 'preview' ? mode.offerTimeoutMs : 30_000;
      const timer = setTimeout(() => {
        void this.skip(agent.agentId, begun.attempt.attemptId, 'timeout').catch((error: unknown) =>
          this.ctx.log.warn({ err: error, attemptId: begun.attempt.attemptId }, 'offer timeout not handled'),
        );
      }, timeoutMs);
      timer.unref();
      this.offers.set(begun.attempt.attemptId, { agentId: agent.agentId, runner, call: begun.call, timer });
      await deps.desk.offer(agent.agentId, begun.attempt);
    }
  }

  private take(agentId: string, attemptId: string): Offer {
    const offer = this.offers.get(attemptId);
    if (!offer || offer.agentId !== agentId)
      throw new FailedPreconditionError(`attempt ${attemptId} is not offered to agent ${agentId}`, {
        reason: 'NO_SUCH_OFFER',
      });
    this.offers.delete(attemptId);
    clearTimeout(offer.timer);
    return offer;
  }

  async accept(agentId: string, attemptId: string): Promise<Attempt> {
    const offer = this.take(agentId, attemptId);
    const attempt = await this.ctx.deps.attempts.get(attemptId);
    if (!attempt) throw new FailedPreconditionError(`attempt ${attemptId} is gone`, { reason: 'NO_SUCH_OFFER' });
    const pending = await offer.runner.readLead(offer.call, attempt);
    if (pending) await offer.runner.checkAndDial([pending]);
    return (await this.ctx.deps.attempts.get(attemptId)) ?? attempt;
  }

  async skip(agentId: string, attemptId: string, reason: string): Promise<void> {
    const offer = this.take(agentId, attemptId);
    this.ctx.log.info({ attemptId, agentId, reason: reason.slice(0, 64) }, 'preview skipped');
    await this.ctx.finishWithoutCall(
      offer.runner,
      offer.call,
      'denied',
      { retryAt: new Date(this.ctx.now().getTime() + SKIPPED_RETRY_MS) },
      'PREVIEW_SKIPPED',
    );
  }

  /** Offers still open (stop() gives them back). */
  async withdrawAll(): Promise<void> {
    for (const [attemptId, offer] of [...this.offers]) await this.skip(offer.agentId, attemptId, 'engine stopping');
  }
}
