import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  EslAuthError,
  EslConnection,
  EslDisconnectedError,
  EslTimeoutError,
  encodeApiResponse,
  type EslConnectionOptions,
  type EslEvent,
} from '../src/index.js';
import { ScriptedServer, type ServerScript } from './support/scripted-server.js';
import { waitFor } from '@outbound/testkit';

const open: Array<{ connection: EslConnection; server: ScriptedServer }> = [];

async function setup(script: ServerScript = {}, options: Partial<EslConnectionOptions> = {}) {
  const server = await ScriptedServer.start(script);
  const connection = new EslConnection({
    host: '127.0.0.1',
    port: server.port,
    password: 'ClueCon',
    reconnect: { initialDelayMs: 5, maxDelayMs: 50 },
    ...options,
  });
  open.push({ connection, server });
  return { server, connection };
}

after(async () => {
  for (const { connection, server } of open) {
    await connection.close();
    await server.close();
  }
});

describe('EslConnection against a scripted server', () => {
  it('authenticates and subscribes to BACKGROUND_JOB', async () => {
    const { server, connection } = await setup();
    await connection.connect();
    assert.equal(connection.state, 'ready');
    assert.deepEqual(server.lastClient.commands, ['auth ClueCon', 'event plain BACKGROUND_JOB']);
  });

  it('rejects a wrong password with EslAuthError', async () => {
    const { connection } = await setup({ password: 'other' });
    await assert.rejects(connection.connect(), EslAuthError);
    assert.equal(connection.state, 'idle');
  });

  it('gives each of 200 concurrent api calls its own reply', async () => {
    const { connection } = await setup({ api: (command) => `+OK ${command}\n` });
    await connection.connect();
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => connection.api(`echo ${i}`)));
    replies.forEach((reply, i) => assert.deepEqual(reply, { body: `+OK echo ${i}\n`, ok: true }));
  });

  it('correlates 200 concurrent bgapi calls by Job-UUID with events out of order', async () => {
    const jobs: Array<{ jobUuid: string; command: string }> = [];
    const { server, connection } = await setup({ bgapi: (command, jobUuid) => jobs.push({ jobUuid, command }) });
    await connection.connect();
    const results = Array.from({ length: 200 }, (_, i) => connection.bgapi(`originate call-${i}`));
    await waitFor(() => jobs.length === 200, { what: 'all bgapi commands', timeoutMs: 5_000, intervalMs: 1 });
    const client = server.lastClient;
    for (const { jobUuid, command } of [...jobs].reverse()) client.sendBackgroundJob(jobUuid, `+OK ${command}\n`);
    const settled = await Promise.all(results);
    settled.forEach((result, i) => {
      assert.equal(result.body, `+OK originate call-${i}\n`);
      assert.equal(result.ok, true);
      assert.equal(result.event.jobUuid, result.jobUuid);
    });
    assert.equal(new Set(settled.map((result) => result.jobUuid)).size, 200);
  });

  it('times out a request the server never answers, and keeps later replies aligned', async () => {
    const { connection } = await setup({ api: (command) => (command === 'hang' ? undefined : `${command}\n`) });
    await connection.connect();
    const stuck = connection.api('hang', { timeoutMs: 20 });
    await assert.rejects(stuck, (error: unknown) => error instanceof EslTimeoutError && error.timeoutMs === 20);
    const later = connection.api('after', { timeoutMs: 20 });
    await assert.rejects(later, EslTimeoutError, 'later reply stays queued behind the unanswered one');
  });

  it('times out a background job whose event never comes', async () => {
    const { connection } = await setup();
    await connection.connect();
    await assert.rejects(connection.bgapi('originate nowhere', { jobTimeoutMs: 20 }), EslTimeoutError);
  });

  it('rejects every pending request with EslDisconnectedError when the socket drops', async () => {
    const { server, connection } = await setup({ api: () => undefined }, { reconnect: false });
    await connection.connect();
    const pending = [
      ...Array.from({ length: 10 }, (_, i) => connection.api(`never ${i}`)),
      connection.bgapi('originate 13812341234'),
    ];
    await waitFor(() => server.lastClient.commands.length === 13, {
      what: 'commands reach the server',
      timeoutMs: 5_000,
      intervalMs: 1,
    });
    server.dropClients();
    const outcomes = await Promise.allSettled(pending);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      if (outcome.status === 'rejected') {
        assert.ok(outcome.reason instanceof EslDisconnectedError);
        assert.doesNotMatch(String(outcome.reason.message), /13812341234/);
      }
    }
    await waitFor(() => connection.state === 'closed', {
      what: 'closed without reconnect',
      timeoutMs: 5_000,
      intervalMs: 1,
    });
  });

  it('reconnects, re-authenticates and re-subscribes after the server drops it', async () => {
    const { server, connection } = await setup();
    const seen: string[] = [];
    connection.on('disconnected', () => seen.push('disconnected'));
    connection.on('reconnected', () => seen.push('reconnected'));
    await connection.connect();
    await connection.subscribe('json', ['CHANNEL_ANSWER'], ['avmd::beep']);
    await connection.filter('Unique-ID', 'abc');
    server.dropClients();
    await waitFor(() => seen.includes('reconnected'), { what: 'reconnected', timeoutMs: 5_000, intervalMs: 1 });
    assert.deepEqual(seen, ['disconnected', 'reconnected']);
    assert.equal(server.clients.length, 2);
    assert.deepEqual(server.lastClient.commands, [
      'auth ClueCon',
      'event plain BACKGROUND_JOB',
      'event json CHANNEL_ANSWER BACKGROUND_JOB CUSTOM avmd::beep',
      'filter Unique-ID abc',
    ]);
    const events: EslEvent[] = [];
    connection.on('event', (event) => events.push(event));
    server.lastClient.sendEvent([
      ['Event-Name', 'CHANNEL_ANSWER'],
      ['Unique-ID', 'abc'],
    ]);
    await waitFor(() => events.length === 1, { what: 'event after reconnect', timeoutMs: 5_000, intervalMs: 1 });
    assert.equal(events[0]?.format, 'json');
    assert.equal(events[0]?.uuid, 'abc');
  });

  it('survives a peer closing mid-frame and a malformed frame', async () => {
    const { server, connection } = await setup({ api: () => undefined });
    const errors: string[] = [];
    connection.on('error', (error) => errors.push(error.code));
    let reconnects = 0;
    connection.on('reconnected', () => reconnects++);
    await connection.connect();
    const pending = connection.api('status');
    await waitFor(() => server.lastClient.commands.length === 3, { what: 'api sent', timeoutMs: 5_000, intervalMs: 1 });
    const half = encodeApiResponse('+OK half\n').subarray(0, 30);
    server.lastClient.socket.end(half);
    await assert.rejects(pending, EslDisconnectedError);
    await waitFor(() => reconnects === 1, { what: 'reconnect after mid-frame close', timeoutMs: 5_000, intervalMs: 1 });
    server.lastClient.socket.write('Content-Type: api/response\nContent-Length: nope\n\n');
    await waitFor(() => reconnects === 2, { what: 'reconnect after malformed frame', timeoutMs: 5_000, intervalMs: 1 });
    assert.ok(errors.includes('BAD_CONTENT_LENGTH'));
  });

  it('streams events through an async iterator until closed', async () => {
    const { server, connection } = await setup();
    await connection.connect();
    const stream = connection.events();
    server.lastClient.sendEvent([['Event-Name', 'HEARTBEAT']]);
    server.lastClient.sendEvent([
      ['Event-Name', 'CUSTOM'],
      ['Event-Subclass', 'avmd::beep'],
      ['Caller', 'a b%'],
    ]);
    const first = await stream.next();
    const second = await stream.next();
    assert.equal(first.done === false ? first.value.name : undefined, 'HEARTBEAT');
    assert.equal(second.done === false ? second.value.headers.get('Caller') : undefined, 'a b%');
    await connection.close();
    assert.equal((await stream.next()).done, true);
    assert.equal(connection.state, 'closed');
    assert.equal(server.lastClient.commands.at(-1), 'exit');
  });
});
