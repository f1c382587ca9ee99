// Report tallies of campaigns' attempts, counted by the store: a report over a campaign with
// millions of attempts reads one row per group, never the attempts themselves.

import { NotFoundError } from '@outbound/errors';
import type { AttemptStore, AttemptSummaryQuery, AttemptTally, CampaignStore } from './ports.js';

export async function summarizeAttempts(
  deps: { readonly campaigns: CampaignStore; readonly attempts: AttemptStore },
  query: AttemptSummaryQuery,
): Promise<AttemptTally[]> {
  // Every campaign named must exist, as every other CampaignService call asks of its campaign.
  const found = await deps.campaigns.getMany(query.campaignIds);
  const missing = query.campaignIds.find((campaignId) => !found.has(campaignId));
  if (missing !== undefined) throw new NotFoundError('campaign', missing);
  return deps.attempts.summarize(query);
}
