import { pino, type Logger, type DestinationStream } from 'pino';
import { trace } from '@opentelemetry/api';
import { maskPhone } from '@outbound/phone/mask';
import { maskName, redactText } from './mask.js';

export type { Logger };

export interface LoggerOptions {
  service: string;
  version?: string;
  level?: string;
  /** Defaults to stdout; tests pass a stream to read lines back. */
  destination?: DestinationStream;
}

// Field names that hold personal data wherever they appear (top level or one level down).
const PHONE_FIELDS = ['phone', 'number', 'msisdn', 'e164', 'callerIdNumber', 'destination', 'mobile'];
const NAME_FIELDS = ['name', 'customerName', 'fullName'];
const paths = (fields: string[]) => fields.flatMap((field) => [field, `*.${field}`]);

/**
 * The process's root logger: JSON lines with service and version, the active trace and span ids,
 * and personal data masked by field name and, inside messages, by shape.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, version: options.version ?? '0.0.0' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      redact: {
        paths: [...paths(PHONE_FIELDS), ...paths(NAME_FIELDS)],
        censor: (value, path) => {
          if (typeof value !== 'string') return '[redacted]';
          return NAME_FIELDS.includes(path[path.length - 1] ?? '') ? maskName(value) : maskPhone(value);
        },
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => {
          // Error messages are free text: mask anything that looks like a number inside them.
          const err = object['err'];
          if (err instanceof Error)
            return {
              ...object,
              err: { type: err.name, message: redactText(err.message), stack: redactText(err.stack ?? '') },
            };
          return object;
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
