import { redactText } from '@outbound/telemetry/mask';

/** Base of every error this package produces; `code` is stable, `message` is masked. */
export class EslError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(redactText(message), options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The switch refused our password (`-ERR invalid`). Retrying will not help. */
export class EslAuthError extends EslError {
  readonly replyText: string;

  constructor(replyText: string, options?: { cause?: unknown }) {
    super('AUTH_FAILED', `authentication refused: ${replyText}`, options);
    this.replyText = replyText;
  }
}

/** A request or background job got no answer in time. */
export class EslTimeoutError extends EslError {
  readonly operation: string;
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('TIMEOUT', `${operation} got no answer within ${timeoutMs} ms`, options);
    this.operation = redactText(operation);
    this.timeoutMs = timeoutMs;
  }
}

/** The socket went away (or was never there) while the request was outstanding. */
export class EslDisconnectedError extends EslError {
  readonly operation: string;

  constructor(operation: string, options?: { cause?: unknown }) {
    super('DISCONNECTED', `${operation} failed: not connected to the switch`, options);
    this.operation = redactText(operation);
  }
}

/** TCP connect failed or the greeting did not arrive. */
export class EslConnectError extends EslError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, reason: string, options?: { cause?: unknown }) {
    super('CONNECT_FAILED', `cannot connect to ${host}:${port}: ${reason}`, options);
    this.host = host;
    this.port = port;
  }
}

/** The switch answered a non-api command with `-ERR …`. */
export class EslCommandError extends EslError {
  readonly operation: string;
  readonly replyText: string;

  constructor(operation: string, replyText: string) {
    super('COMMAND_FAILED', `${operation} refused: ${replyText}`);
    this.operation = redactText(operation);
    this.replyText = replyText;
  }
}

/** The byte stream broke the ESL framing rules or the reply order. */
export class EslProtocolError extends EslError {
  readonly detail: string;

  constructor(code: string, detail: string, options?: { cause?: unknown }) {
    super(code, `ESL protocol error ${code}: ${detail}`, options);
    this.detail = redactText(detail);
  }
}

/** A command could not be encoded safely (e.g. a line break would inject a second command). */
export class EslInvalidCommandError extends EslError {
  constructor(reason: string) {
    super('INVALID_COMMAND', `cannot encode command: ${reason}`);
  }
}

/** An event iterator fell too far behind the socket and was ended to bound memory. */
export class EslEventOverflowError extends EslError {
  readonly limit: number;

  constructor(limit: number) {
    super('EVENT_OVERFLOW', `event consumer fell more than ${limit} events behind`);
    this.limit = limit;
  }
}
