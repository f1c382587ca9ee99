export {
  EslAuthError,
  EslCommandError,
  EslConnectError,
  EslDisconnectedError,
  EslError,
  EslEventOverflowError,
  EslInvalidCommandError,
  EslProtocolError,
  EslTimeoutError,
} from './errors.js';

export {
  SERVER_CONTENT_TYPES,
  bodyText,
  contentType,
  headerValue,
  type EslFrame,
  type FrameFault,
  type FrameFaultCode,
  type FrameResult,
  type Header,
  type ServerContentType,
} from './frame/frame.js';
export { DEFAULT_FRAME_LIMITS, FrameParser, type FrameLimits, type FrameParserOptions } from './frame/parser.js';
export { fsUrlEncode, safeUrlDecode, type UrlDecodeResult } from './frame/url-codec.js';
export {
  decodeEvent,
  type EslEvent,
  type EventDecodeResult,
  type EventFaultCode,
  type EventFormat,
} from './frame/event.js';
export { encodeCommand, type EslCommand } from './frame/command.js';
export {
  DISCONNECT_GOODBYE,
  DISCONNECT_SHUTDOWN,
  encodeApiResponse,
  encodeAuthRequest,
  encodeCommandReply,
  encodeDisconnectNotice,
  encodeEventBody,
  encodeEventFrame,
  encodeFrame,
  encodeLogData,
  type EventContent,
  type LogLine,
} from './frame/server-encode.js';

export {
  EslConnection,
  type ApiResponse,
  type BgapiOptions,
  type CommandReply,
  type ConnectionState,
  type EslConnectionEvents,
  type EslConnectionOptions,
  type EventStreamOptions,
  type RequestOptions,
} from './connection/connection.js';
export type { BackgroundJobResult } from './connection/jobs.js';
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './connection/backoff.js';
export { systemClock, type CancelTimer, type Clock } from './connection/clock.js';
export {
  tcpTransport,
  type EslTransport,
  type TransportFactory,
  type TransportTarget,
} from './connection/transport.js';
