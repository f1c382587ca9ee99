import { headerValue, type SwitchEvent } from './esl-event.js';

/** Every event name `event …` accepts (FreeSWITCH's switch_event_types). */
export const EVENT_NAMES = new Set([
  'CUSTOM',
  'CLONE',
  'CHANNEL_CREATE',
  'CHANNEL_DESTROY',
  'CHANNEL_STATE',
  'CHANNEL_CALLSTATE',
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_OUTGOING',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_APPLICATION',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'API',
  'LOG',
  'INBOUND_CHAN',
  'OUTBOUND_CHAN',
  'STARTUP',
  'SHUTDOWN',
  'PUBLISH',
  'UNPUBLISH',
  'TALK',
  'NOTALK',
  'SESSION_CRASH',
  'MODULE_LOAD',
  'MODULE_UNLOAD',
  'DTMF',
  'MESSAGE',
  'PRESENCE_IN',
  'NOTIFY_IN',
  'PRESENCE_OUT',
  'PRESENCE_PROBE',
  'MESSAGE_WAITING',
  'MESSAGE_QUERY',
  'ROSTER',
  'CODEC',
  'BACKGROUND_JOB',
  'DETECTED_SPEECH',
  'DETECTED_TONE',
  'PRIVATE_COMMAND',
  'HEARTBEAT',
  'TRAP',
  'ADD_SCHEDULE',
  'DEL_SCHEDULE',
  'EXE_SCHEDULE',
  'RE_SCHEDULE',
  'RELOADXML',
  'NOTIFY',
  'PHONE_FEATURE',
  'PHONE_FEATURE_SUBSCRIBE',
  'SEND_MESSAGE',
  'RECV_MESSAGE',
  'REQUEST_PARAMS',
  'CHANNEL_DATA',
  'GENERAL',
  'COMMAND',
  'SESSION_HEARTBEAT',
  'CLIENT_DISCONNECTED',
  'SERVER_DISCONNECTED',
  'SEND_INFO',
  'RECV_INFO',
  'RECV_RTCP_MESSAGE',
  'SEND_RTCP_MESSAGE',
  'CALL_SECURE',
  'NAT',
  'RECORD_START',
  'RECORD_STOP',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'CALL_UPDATE',
  'FAILURE',
  'SOCKET_DATA',
  'MEDIA_BUG_START',
  'MEDIA_BUG_STOP',
  'CONFERENCE_DATA_QUERY',
  'CONFERENCE_DATA',
  'CALL_SETUP_REQ',
  'CALL_SETUP_RESULT',
  'CALL_DETAIL',
  'DEVICE_STATE',
  'TEXT',
  'SHUTDOWN_REQUESTED',
  'ALL',
]);

/** One connection's event subscription (mod_event_socket listener state), pure. */
export class Subscription {
  format: 'plain' | 'json' | 'xml' = 'plain';
  private all = false;
  private readonly names = new Set<string>();
  private readonly subclasses = new Set<string>();
  private readonly filters: Array<[string, string]> = [];

  get active(): boolean {
    return this.all || this.names.size > 0 || this.subclasses.size > 0;
  }

  /** `event plain|json <words>`: returns false when no word named an event (FreeSWITCH's error). */
  add(words: readonly string[]): boolean {
    let any = false;
    let custom = false;
    for (const word of words) {
      // Every word after CUSTOM is a subclass, as in FreeSWITCH (README point 10).
      if (custom) {
        this.subclasses.add(word);
        any = true;
      } else if (word.toUpperCase() === 'CUSTOM') {
        custom = true;
        any = true;
      } else if (word.toUpperCase() === 'ALL') {
        this.all = true;
        any = true;
      } else if (EVENT_NAMES.has(word.toUpperCase())) {
        this.names.add(word.toUpperCase());
        any = true;
      }
    }
    return any;
  }

  remove(words: readonly string[]): void {
    for (const word of words) {
      if (word.toUpperCase() === 'ALL') {
        this.all = false;
        this.names.clear();
      } else this.names.delete(word.toUpperCase());
    }
  }

  clear(): void {
    this.all = false;
    this.names.clear();
    this.subclasses.clear();
  }

  addFilter(name: string, value: string): void {
    this.filters.push([name, value]);
  }

  deleteFilter(name: string, value: string | undefined): void {
    for (let i = this.filters.length - 1; i >= 0; i -= 1) {
      const [n, v] = this.filters[i] ?? ['', ''];
      if (n.toLowerCase() === name.toLowerCase() && (value === undefined || v === value)) this.filters.splice(i, 1);
    }
  }

  wants(event: SwitchEvent): boolean {
    const subscribed =
      this.all ||
      this.names.has(event.name) ||
      (event.name === 'CUSTOM' && event.subclass !== undefined && this.subclasses.has(event.subclass));
    if (!subscribed) return false;
    if (this.filters.length === 0) return true;
    return this.filters.some(([name, value]) => headerValue(event, name) === value);
  }
}
