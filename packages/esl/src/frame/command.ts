import { EslInvalidCommandError } from '../errors.js';
import type { EventFormat } from './event.js';
import type { Header } from './frame.js';

/** Every command a client sends, in the shapes of esl-traces/*.client.txt. */
export type EslCommand =
  | { readonly type: 'auth'; readonly password: string }
  | { readonly type: 'api'; readonly command: string }
  | { readonly type: 'bgapi'; readonly command: string; readonly jobUuid?: string }
  | {
      readonly type: 'event';
      readonly format: EventFormat;
      readonly events: readonly string[];
      /** Written last: FreeSWITCH takes every word after CUSTOM as a subclass. */
      readonly customSubclasses?: readonly string[];
    }
  | { readonly type: 'nixevent'; readonly events: readonly string[] }
  | { readonly type: 'noevents' }
  | { readonly type: 'filter'; readonly header: string; readonly value: string }
  | { readonly type: 'filterDelete'; readonly header: string; readonly value?: string }
  | { readonly type: 'sendmsg'; readonly uuid: string; readonly headers: readonly Header[]; readonly body?: string }
  | { readonly type: 'log'; readonly level: number }
  | { readonly type: 'nolog' }
  | { readonly type: 'exit' };

/**
 * Encodes a command. Throws EslInvalidCommandError when a value holds a line
 * break: that would smuggle a second command (or header) onto the socket.
 */
export function encodeCommand(command: EslCommand): Buffer {
  switch (command.type) {
    case 'auth':
      return lines(`auth ${command.password}`);
    case 'api':
      return lines(`api ${command.command}`);
    case 'bgapi':
      return command.jobUuid === undefined
        ? lines(`bgapi ${command.command}`)
        : lines(`bgapi ${command.command}`, `Job-UUID: ${command.jobUuid}`);
    case 'event': {
      const custom = command.customSubclasses ?? [];
      const words = [
        ...command.events.filter((name) => name !== 'CUSTOM'),
        ...(custom.length > 0 ? ['CUSTOM', ...custom] : []),
      ];
      return lines(`event ${command.format} ${words.join(' ')}`);
    }
    case 'nixevent':
      return lines(`nixevent ${command.events.join(' ')}`);
    case 'noevents':
      return lines('noevents');
    case 'filter':
      return lines(`filter ${command.header} ${command.value}`);
    case 'filterDelete':
      return lines(
        command.value === undefined
          ? `filter delete ${command.header}`
          : `filter delete ${command.header} ${command.value}`,
      );
    case 'sendmsg':
      return encodeSendmsg(command.uuid, command.headers, command.body);
    case 'log':
      return lines(`log ${command.level}`);
    case 'nolog':
      return lines('nolog');
    case 'exit':
      return lines('exit');
  }
}

function encodeSendmsg(uuid: string, headers: readonly Header[], body: string | undefined): Buffer {
  const headerLines = headers.map(([name, value]) => `${name}: ${value}`);
  if (body === undefined) return lines(`sendmsg ${uuid}`, ...headerLines);
  const bytes = Buffer.from(body);
  const head = lines(`sendmsg ${uuid}`, ...headerLines, `Content-Length: ${bytes.length}`);
  return Buffer.concat([head, bytes]);
}

function lines(...parts: string[]): Buffer {
  for (const part of parts) {
    if (part.includes('\n') || part.includes('\r'))
      throw new EslInvalidCommandError('line break inside a command or header');
  }
  return Buffer.from(`${parts.join('\n')}\n\n`);
}
