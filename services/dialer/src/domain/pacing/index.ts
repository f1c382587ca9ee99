// Predictive pacing: a pure, deterministic pacer and its configuration.
export { createPacer, type Pacer, type PacerDeps } from './pacer.js';
export type { AnswerHistory } from './abandon-ledger.js';
export {
  DEFAULT_PACER_CONFIG,
  PacerConfigError,
  resolvePacerConfig,
  validatePacerConfig,
  withDefaults,
  HOUR_MS,
  DAY_MS,
  type AbandonWindow,
  type AmdConfig,
  type ConfigIssue,
  type PacerConfig,
  type PacerConfigInput,
} from './config.js';
export type {
  AgentEvent,
  CallEvent,
  FailCause,
  LimitReason,
  OutlookPoint,
  PacerEvent,
  PacingBudget,
  PacingDecision,
  PacingEstimates,
  PacingSnapshot,
} from './types.js';
