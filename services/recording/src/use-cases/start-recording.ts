import { FailedPreconditionError, NotFoundError } from '@outbound/errors';
import type { Logger } from '@outbound/telemetry';
import { defaultPolicy, startsOn, type PolicyDefaults } from '../domain/policy.js';
import { retainUntil } from '../domain/retention.js';
import type { AttemptIds, MediaControl, Policies, Recordings } from './ports.js';

export interface CallFact extends AttemptIds {
  readonly callId: string;
  readonly at: Date;
}

/**
 * On `calls.answered` / `calls.bridged`: start the recording when the campaign's policy says so.
 * Idempotent by call: a call with a recording already is left alone (a redelivered event, or the
 * bridge after an answer that already started one).
 */
export class StartRecording {
  constructor(
    private readonly deps: {
      readonly policies: Policies;
      readonly recordings: Recordings;
      readonly media: MediaControl | undefined;
      readonly defaults: PolicyDefaults;
      readonly logger: Logger;
    },
  ) {}

  async onCall(kind: 'answered' | 'bridged', call: CallFact): Promise<'started' | 'skipped'> {
    const { policies, recordings, media } = this.deps;
    const policy = (await policies.get(call.campaignId)) ?? defaultPolicy(call.campaignId, this.deps.defaults);
    if (startsOn(policy.mode) !== kind || media === undefined) return 'skipped';
    if ((await recordings.byCall(call.callId)).length > 0) return 'skipped';
    let recordingId: string;
    try {
      ({ recordingId } = await media.startRecording(call.callId));
    } catch (error) {
      // The call ended before we asked (short calls): nothing to record, nothing to retry.
      if (error instanceof NotFoundError || error instanceof FailedPreconditionError) {
        this.deps.logger.info({ callId: call.callId, attemptId: call.attemptId }, 'call gone before recording started');
        return 'skipped';
      }
      throw error;
    }
    await recordings.insert({
      recordingId,
      callId: call.callId,
      campaignId: call.campaignId,
      leadId: call.leadId,
      attemptId: call.attemptId,
      startedAt: call.at,
      retentionDays: policy.retentionDays,
      industry: policy.industry,
      retainUntil: retainUntil(call.at.getTime(), policy.retentionDays),
    });
    return 'started';
  }
}
