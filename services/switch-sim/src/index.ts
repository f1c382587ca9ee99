export { createApp, type App, type AppDeps } from './app.js';
export { parseScenario, ScenarioError, type Scenario } from './domain/scenario.js';
export { parseOriginate } from './domain/dial-string.js';
export type { GroundTruthRecord } from './engine/switch-core.js';
