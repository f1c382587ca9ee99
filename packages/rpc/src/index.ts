export {
  bindService,
  startGrpcServer,
  Status,
  type CallContext,
  type GrpcServer,
  type ServiceBinding,
} from './server.js';
export { clientInterceptor, clientStream, createClient, unary } from './client.js';
export { statusDetails, toStatus, type MappedStatus, type StatusDetails } from './status.js';
export { validateRequest } from './validate.js';
export { Metadata } from '@grpc/grpc-js';
