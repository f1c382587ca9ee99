import { commonVars, loadConfigOrExit, vars } from '@outbound/config';
import { createLogger, startMetrics } from '@outbound/telemetry';
import { createTeam } from './app.js';

const config = loadConfigOrExit({
  logLevel: commonVars.logLevel,
  dialerAddress: ['DIALER_ADDRESS', vars.string().default('127.0.0.1:50064')],
  campaignIds: ['CAMPAIGN_IDS', vars.list()],
  spreadAgents: ['SPREAD_AGENTS', vars.bool().default(false)],
  agents: ['AGENTS', vars.int(1, 2_000).default(5)],
  agentIdBase: ['AGENT_ID_BASE', vars.int(1, 10_000_000).default(1001)],
  skills: ['SKILLS', vars.list().default([])],
  seed: ['SEED', vars.int(0).default(1)],
  loginPatienceMs: ['LOGIN_PATIENCE_MS', vars.durationMs().default(120_000)],
  metricsAddress: commonVars.metricsAddress,
});
const logger = createLogger({ service: 'agent-sim', level: config.logLevel });
const metrics = await startMetrics({
  serviceName: 'agent-sim',
  ...(config.metricsAddress ? { address: config.metricsAddress } : {}),
});
const team = createTeam(config, logger, metrics.meter);

await team.start();
process.stdout.write(`${JSON.stringify({ msg: 'agent-sim ready', agents: config.agents })}\n`);
const report = setInterval(() => logger.info({ ...team.figures }, 'agent-sim figures'), 10_000);
report.unref();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  logger.info({ signal, ...team.figures }, 'agents logging out');
  await team.stop();
  await metrics.shutdown();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
