#!/usr/bin/env node
// Publishes one message on a fresh subject and waits to consume it back through the same NATS
// server (plain core NATS, so it leaves nothing behind in JetStream). NATS_URL, plus NATS_USER /
// NATS_PASSWORD or NATS_TOKEN when set. Exit 0 on the round trip, 1 otherwise. The chart's
// `helm test` pod runs it.
import { randomUUID } from 'node:crypto';
import { connect, StringCodec } from 'nats';

const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const timeoutMs = Number(process.env.ROUNDTRIP_TIMEOUT_MS ?? 5000);
const auth = process.env.NATS_TOKEN
  ? { token: process.env.NATS_TOKEN }
  : process.env.NATS_USER
    ? { user: process.env.NATS_USER, pass: process.env.NATS_PASSWORD ?? '' }
    : {};
const codec = StringCodec();
const subject = `outbound.helm-test.${randomUUID()}`;
const payload = randomUUID();
let nc;
try {
  nc = await connect({ servers: url, timeout: timeoutMs, ...auth });
  const sub = nc.subscribe(subject, { max: 1, timeout: timeoutMs });
  await nc.flush();
  nc.publish(subject, codec.encode(payload));
  for await (const message of sub) {
    if (codec.decode(message.data) !== payload) throw new Error('payload changed on the way');
  }
  if (sub.getProcessed() !== 1) throw new Error('no message came back');
  process.stdout.write(`nats round trip on ${new URL(url).host}: ok\n`);
  await nc.close();
  process.exit(0);
} catch (error) {
  process.stderr.write(`nats round trip: ${error.message ?? error}\n`);
  await nc?.close().catch(() => {});
  process.exit(1);
}
