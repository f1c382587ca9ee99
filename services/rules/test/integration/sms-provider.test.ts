import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { WebhookSmsProvider } from '../../src/adapters/sms/webhook-provider.js';
import { SmsRejectedError } from '../../src/use-cases/send-sms.js';

// A local HTTP server answering with the status named in the message id; it records every request.
const seen: Array<{ url: string; headers: Record<string, unknown>; body: Record<string, unknown> }> = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    seen.push({ url: req.url ?? '', headers: req.headers, body });
    const status = Number(String(body['messageId']).split('-')[1]);
    if (status === 200) res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"p-1"}');
    else if (status === 201) res.writeHead(201).end('queued');
    else res.writeHead(status).end('no');
  });
});
let url = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/sms`;
});
after(() => server.close());

test('sms webhook provider: body, headers, provider id; 4xx final, 5xx/429 retryable', async () => {
  const provider = new WebhookSmsProvider({ url, token: 'tok', statusCallbackUrl: 'http://rules/v1/sms/status' });
  const sent = await provider.send({ messageId: 'm-200', to: '+8613800138000', body: '您好' });
  assert.deepEqual(sent, { providerMessageId: 'p-1' });
  assert.deepEqual(seen[0]!.body, {
    messageId: 'm-200',
    to: '+8613800138000',
    body: '您好',
    statusCallbackUrl: 'http://rules/v1/sms/status',
  });
  assert.equal(seen[0]!.headers['authorization'], 'Bearer tok');
  assert.equal(seen[0]!.headers['idempotency-key'], 'm-200');
  assert.deepEqual(await provider.send({ messageId: 'm-201', to: 'x', body: 'b' }), { providerMessageId: 'm-201' });
  await assert.rejects(provider.send({ messageId: 'm-400', to: 'x', body: 'b' }), SmsRejectedError);
  for (const status of [429, 500, 503])
    await assert.rejects(provider.send({ messageId: `m-${status}`, to: 'x', body: 'b' }), (e: unknown) => {
      assert.ok(!(e instanceof SmsRejectedError), `HTTP ${status} must be retryable`);
      return true;
    });
});
