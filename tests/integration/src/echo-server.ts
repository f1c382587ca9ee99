// Process A of the plumbing proof: gRPC DiagnosticsService.Echo publishes diagnostics.echoed.
import { z } from 'zod';
import { Bus, events } from '@outbound/bus';
import { commonVars, loadConfigOrExit, vars } from '@outbound/config';
import { DiagnosticsServiceService, type DiagnosticsServiceServer } from '@outbound/proto/outbound/v1/diagnostics';
import { bindService, startGrpcServer, validateRequest } from '@outbound/rpc';
import { createLogger, currentTraceId, startTelemetry } from '@outbound/telemetry';

const config = loadConfigOrExit({
  natsUrl: commonVars.natsUrl,
  spansFile: ['SPANS_FILE', vars.string().optional()],
  grpcAddress: ['GRPC_ADDRESS', vars.string().default('127.0.0.1:0')],
});
const telemetry = startTelemetry({ serviceName: 'echo-server', spansFile: config.spansFile });
const logger = createLogger({ service: 'echo-server', level: 'warn' });
const bus = await Bus.connect({ url: config.natsUrl, name: 'echo-server', logger });
await bus.ensureStreams();

const echoRequest = z.object({
  message: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1..128 letters, digits, _ or -'),
  repeat: z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'),
});

const diagnostics = bindService<DiagnosticsServiceServer>(
  'outbound.v1.DiagnosticsService',
  DiagnosticsServiceService,
  {
    echo: async (request) => {
      const { message, repeat } = validateRequest(echoRequest, request);
      const eventIds: string[] = [];
      for (let index = 0; index < repeat; index++) {
        eventIds.push((await bus.publish(events.diagnosticsEchoed, { probe: message, index })).id);
      }
      return { eventIds, traceId: currentTraceId() ?? '' };
    },
  },
  logger,
);

const server = await startGrpcServer({ address: config.grpcAddress, services: [diagnostics], logger });
process.stdout.write(`${JSON.stringify({ ready: true, port: server.port })}\n`);

process.once('SIGTERM', async () => {
  await server.shutdown(5_000);
  await bus.close();
  await telemetry.shutdown();
  process.exit(0);
});
