import { z } from 'zod';
import { MediaServiceService, type MediaServiceServer } from '@outbound/proto/outbound/v1/media';
import { FailedPreconditionError } from '@outbound/errors';
import { bindService, validateRequest, type ServiceBinding } from '@outbound/rpc';
import { injectTraceContext, trace, type Logger } from '@outbound/telemetry';
import type { MediaController } from './media-controller.js';

export interface MediaServiceDefaults {
  readonly gateway: string;
  readonly amd: boolean;
  readonly ringTimeoutMs: number;
}

const subjectSafe = z
  .string()
  .min(1, 'is required')
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a subject-safe id (letters, digits, _ or -)');
const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a call uuid');
export const MIN_RING_TIMEOUT_MS = 5_000;
export const MAX_RING_TIMEOUT_MS = 120_000;

const originateSchema = z.object({
  attempt: z.object({ campaignId: subjectSafe, leadId: subjectSafe, attemptId: subjectSafe }, { error: 'is required' }),
  destination: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number (+ and 7 to 15 digits)'),
  callerId: z
    .string()
    .regex(/^(\+?[0-9]{3,15})?$/, 'must be digits with an optional leading +')
    .optional(),
  gateway: z
    .string()
    .regex(/^([A-Za-z0-9_.-]{1,64})?$/, 'must be a gateway name')
    .optional(),
  amd: z.boolean().optional(),
  ringTimeoutMs: z
    .number()
    .int()
    .refine(
      (v) => v === 0 || (v >= MIN_RING_TIMEOUT_MS && v <= MAX_RING_TIMEOUT_MS),
      `must be 0 (default) or ${MIN_RING_TIMEOUT_MS}-${MAX_RING_TIMEOUT_MS} ms`,
    ),
});

const causeSchema = z.string().regex(/^([A-Z_]{3,64})?$/, 'must be a FreeSWITCH hangup cause such as NORMAL_CLEARING');
const hangupSchema = z.object({ callId: uuid, cause: causeSchema });
const callExistsSchema = z.object({
  callId: uuid,
  node: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a node name'),
});
const bridgeSchema = z.object({
  callId: uuid,
  agentEndpoint: z.string().regex(/^[A-Za-z0-9_.@:/+-]{1,128}$/, 'must be an endpoint like user/1001'),
});
const playSchema = z.object({
  callId: uuid,
  file: z
    .string()
    .regex(/^[A-Za-z0-9_./:-]{1,512}$/, 'must be a file path without spaces')
    .optional(),
  tone: z
    .string()
    .regex(/^[%(),0-9;=a-zA-Z.]{1,256}$/, 'must be a tone_stream spec such as %(1000,0,440)')
    .optional(),
  ttsText: z.string().max(4000).optional(),
});
const startRecordingSchema = z.object({ callId: uuid });
const stopRecordingSchema = z.object({ callId: uuid, recordingId: uuid });
const transferSchema = z.object({
  callId: uuid,
  destination: z.string().regex(/^[A-Za-z0-9_*#+-]{1,64}( XML [A-Za-z0-9_-]+)?$/, 'must be a dialplan extension'),
});
const collectSchema = z.object({
  callId: uuid,
  maxDigits: z.number().int().min(1, 'must be 1-32').max(32, 'must be 1-32'),
  timeoutMs: z.number().int().min(100, 'must be 100-60000 ms').max(60_000, 'must be 100-60000 ms'),
  terminators: z.string().regex(/^[0-9*#]{0,4}$/, 'must be up to 4 of 0-9 * #'),
});

/** The W3C traceparent of the active (server) span, for the channel variable. */
function currentTraceparent(): string | undefined {
  if (trace.getActiveSpan() === undefined) return undefined;
  return injectTraceContext<Record<string, string>>({})['traceparent'];
}

export function mediaServiceBinding(
  controller: MediaController,
  defaults: MediaServiceDefaults,
  logger: Logger,
): ServiceBinding {
  return bindService<MediaServiceServer>(
    'outbound.v1.MediaService',
    MediaServiceService,
    {
      originate: async (request) => {
        const valid = validateRequest(originateSchema, request);
        trace
          .getActiveSpan()
          ?.setAttributes({ 'call.attempt_id': valid.attempt.attemptId, 'call.campaign_id': valid.attempt.campaignId });
        const traceparent = currentTraceparent();
        const result = await controller.originate({
          ...valid.attempt,
          destination: valid.destination,
          ...(valid.callerId ? { callerId: valid.callerId } : {}),
          gateway: valid.gateway || defaults.gateway,
          amd: (valid.amd ?? false) || defaults.amd,
          ringTimeoutMs: valid.ringTimeoutMs || defaults.ringTimeoutMs,
          ...(traceparent ? { traceparent } : {}),
        });
        trace.getActiveSpan()?.setAttributes({ 'call.id': result.callId, 'media.node': result.node });
        return { callId: result.callId, node: result.node };
      },
      callExists: async (request) => {
        const valid = validateRequest(callExistsSchema, request);
        return { exists: await controller.callExists(valid.callId, valid.node) };
      },
      hangup: async (request) => {
        const valid = validateRequest(hangupSchema, request);
        await controller.hangup(valid.callId, valid.cause || 'NORMAL_CLEARING');
        return {};
      },
      bridge: async (request, ctx) => {
        const valid = validateRequest(bridgeSchema, request);
        return controller.bridge(valid.callId, valid.agentEndpoint, ctx.signal);
      },
      play: async (request) => {
        const valid = validateRequest(playSchema, request);
        if (valid.ttsText !== undefined)
          throw new FailedPreconditionError('no TTS engine configured', { reason: 'NO_TTS_ENGINE' });
        if (valid.file !== undefined) await controller.play(valid.callId, { file: valid.file });
        else if (valid.tone !== undefined) await controller.play(valid.callId, { tone: valid.tone });
        else validateRequest(z.object({ media: z.string({ error: 'one of file, tone or tts_text is required' }) }), {});
        return {};
      },
      collectDtmf: async (request, ctx) => {
        const valid = validateRequest(collectSchema, request);
        const digits = await controller.collectDtmf(valid.callId, valid, ctx.signal);
        return { digits };
      },
      startRecording: async (request) => {
        const valid = validateRequest(startRecordingSchema, request);
        return controller.startRecording(valid.callId);
      },
      stopRecording: async (request) => {
        const valid = validateRequest(stopRecordingSchema, request);
        await controller.stopRecording(valid.callId, valid.recordingId);
        return {};
      },
      transfer: async (request) => {
        const valid = validateRequest(transferSchema, request);
        await controller.transfer(valid.callId, valid.destination);
        return {};
      },
    },
    logger,
  );
}
