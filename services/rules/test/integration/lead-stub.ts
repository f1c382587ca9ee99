// lead-ingest's LeadService as a real gRPC server holding leads in memory: the rules service's
// lead directory talks to it exactly as to lead-ingest (NATS and PostgreSQL are never stubbed).

import { NotFoundError, UnavailableError } from '@outbound/errors';
import {
  LeadServiceService,
  LeadStatus,
  NumberType,
  type Lead,
  type LeadServiceServer,
} from '@outbound/proto/outbound/v1/lead';
import { bindService, startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createLogger } from '@outbound/telemetry';

export interface StubLead {
  leadId: string;
  listId: string;
  tier?: string;
  intent?: string;
  orderValue?: number;
  tags?: string[];
  custom?: Record<string, string>;
  timeZone?: string;
  region?: string;
  phone?: string;
  name?: string;
  status?: LeadStatus;
}

export interface LeadStub {
  address: string;
  leads: Map<string, StubLead>;
  add(...leads: StubLead[]): void;
  /** Calls seen with the reveal permission (the SMS sender). */
  reveals: number;
  stop(): Promise<void>;
}

function toLead(s: StubLead, reveal: boolean): Lead {
  return {
    leadId: s.leadId,
    listId: s.listId,
    externalId: '',
    phone: reveal ? (s.phone ?? '') : '138****0000',
    name: reveal ? (s.name ?? '') : '*',
    numberType: NumberType.NUMBER_TYPE_MOBILE,
    region: s.region ?? '',
    timeZone: s.timeZone ?? 'Asia/Shanghai',
    tier: s.tier ?? 'B',
    tags: s.tags ?? [],
    customFields: s.custom ?? {},
    status: s.status ?? LeadStatus.LEAD_STATUS_CALLABLE,
    country: 'CN',
    intent: s.intent ?? '',
    orderValue: s.orderValue ?? 0,
    extension: '',
  };
}

export async function startLeadStub(revealToken = 'reveal-token'): Promise<LeadStub> {
  const logger = createLogger({ service: 'lead-stub', level: 'silent' });
  const leads = new Map<string, StubLead>();
  const unsupported = async (): Promise<never> => {
    throw new UnavailableError('not in the stub');
  };
  const stub: LeadStub = {
    address: '',
    leads,
    reveals: 0,
    add: (...more) => more.forEach((l) => leads.set(l.leadId, l)),
    stop: async () => undefined,
  };
  const server: GrpcServer = await startGrpcServer({
    address: '127.0.0.1:0',
    logger,
    services: [
      bindService<LeadServiceServer>(
        'outbound.v1.LeadService',
        LeadServiceService,
        {
          import: unsupported,
          getImportJob: unsupported,
          cancelImportJob: unsupported,
          getRejectReport: unsupported,
          upsertLeads: unsupported,
          getLead: async (req, ctx) => {
            const lead = leads.get(req.leadId);
            if (!lead) throw new NotFoundError('lead', req.leadId);
            const reveal =
              ctx.metadata.get('x-outbound-pii')[0] === 'reveal' &&
              ctx.metadata.get('authorization')[0] === `Bearer ${revealToken}`;
            if (reveal) stub.reveals++;
            return { lead: toLead(lead, reveal) };
          },
          listLeads: async (req) => ({
            leads: [...leads.values()]
              .filter((l) => l.listId === req.listId)
              .slice(0, req.page?.pageSize || 100)
              .map((l) => toLead(l, false)),
            page: { nextPageToken: '' },
          }),
        },
        logger,
      ),
    ],
  });
  stub.address = `127.0.0.1:${server.port}`;
  stub.stop = () => server.shutdown(1_000);
  return stub;
}
