// gRPC clients of the services the console stands on, and the mapping of their failures to what
// the page shows: an unavailable backend, a refused change, bad input.

import { AgentServiceClient, CampaignServiceClient } from '@outbound/proto/outbound/v1/campaign';
import { ComplianceServiceClient } from '@outbound/proto/outbound/v1/compliance';
import { LeadServiceClient } from '@outbound/proto/outbound/v1/lead';
import { RecordingServiceClient } from '@outbound/proto/outbound/v1/recording';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import type { CallOptions, Client } from '@grpc/grpc-js';
import type { Meter } from '@outbound/telemetry';

export interface Backends {
  readonly campaigns: CampaignServiceClient;
  readonly agents: AgentServiceClient;
  readonly leads: LeadServiceClient;
  readonly compliance: ComplianceServiceClient;
  /** Absent when the console is run without the recording service. */
  readonly recording?: RecordingServiceClient;
  close(): void;
}

/** `meter`: where rpc.client.duration of the backends' calls goes (none: not recorded). */
export function createBackends(
  addresses: { dialer: string; leadIngest: string; compliance: string; recording?: string },
  meter?: Meter,
): Backends {
  const campaigns = createClient(CampaignServiceClient, addresses.dialer, { defaultDeadlineMs: 10_000, meter });
  const agents = createClient(AgentServiceClient, addresses.dialer, { defaultDeadlineMs: 10_000, meter });
  const leads = createClient(LeadServiceClient, addresses.leadIngest, { defaultDeadlineMs: 300_000, meter });
  const compliance = createClient(ComplianceServiceClient, addresses.compliance, { defaultDeadlineMs: 10_000, meter });
  const recording = addresses.recording
    ? createClient(RecordingServiceClient, addresses.recording, { defaultDeadlineMs: 10_000, meter })
    : undefined;
  return {
    campaigns,
    agents,
    leads,
    compliance,
    ...(recording ? { recording } : {}),
    close: () => [campaigns, agents, leads, compliance, recording].forEach((c) => c?.close()),
  };
}

/** An error the page can show: HTTP status, a stable code and a message free of personal data. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const GRPC_TO_HTTP: Partial<Record<number, [number, string]>> = {
  [Status.UNAVAILABLE]: [503, 'backend_unavailable'],
  [Status.DEADLINE_EXCEEDED]: [503, 'backend_unavailable'],
  [Status.NOT_FOUND]: [404, 'not_found'],
  [Status.INVALID_ARGUMENT]: [400, 'invalid_input'],
  [Status.FAILED_PRECONDITION]: [409, 'changed_meanwhile'],
  [Status.ALREADY_EXISTS]: [409, 'already_exists'],
  [Status.ABORTED]: [409, 'changed_meanwhile'],
  [Status.PERMISSION_DENIED]: [403, 'forbidden'],
};

export function toHttpError(error: unknown, backend: string): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as { code?: number }).code;
  const details = (error as { details?: string }).details ?? (error as Error).message ?? 'unknown error';
  const mapped = code === undefined ? undefined : GRPC_TO_HTTP[code];
  if (!mapped) return new HttpError(502, 'backend_error', `${backend}: ${details}`);
  if (mapped[1] === 'backend_unavailable')
    return new HttpError(503, mapped[1], `${backend} is unavailable; try again shortly`);
  return new HttpError(mapped[0], mapped[1], `${backend}: ${details}`);
}

/** One unary call; failures come back as HttpError naming the backend. */
export async function call<Req, Res>(
  backend: string,
  client: Client,
  method: (req: Req, md: Metadata, options: Partial<CallOptions>, cb: (e: Error | null, r: Res) => void) => unknown,
  request: Req,
): Promise<Res> {
  try {
    return await unary<Req, Res>(method, client, request, new Metadata());
  } catch (error) {
    throw toHttpError(error, backend);
  }
}
