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
export { protoFieldName, protoPath, validateRequest } from './validate.js';
export { readProtoJson } from './proto-json.js';
export { Metadata } from '@grpc/grpc-js';
