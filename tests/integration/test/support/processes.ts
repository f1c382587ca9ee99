// The launcher lives in @outbound/testkit, shared by every workspace's process-level tests.
export { Processes } from '@outbound/testkit';
