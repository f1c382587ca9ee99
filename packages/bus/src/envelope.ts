import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** What goes over the wire: a versioned envelope around the typed payload. */
export interface Envelope<Payload> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  data: Payload;
}

export const envelopeSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1),
  version: z.number().int().min(1),
  occurredAt: z.string(),
  data: z.unknown(),
});

export function newEventId(): string {
  return randomUUID();
}
