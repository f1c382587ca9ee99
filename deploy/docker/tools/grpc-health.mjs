#!/usr/bin/env node
// grpc.health.v1 Check against host:port [service]: exit 0 when SERVING, 1 otherwise, 2 on bad
// arguments. Used by the images' HEALTHCHECK and the chart's `helm test` pod (a real round trip).
import grpc from '@grpc/grpc-js';
import health from 'grpc-health-check';

const [target, service = '', timeoutText = '5000'] = process.argv.slice(2);
if (!target || !/^[^\s:]+:\d{1,5}$/.test(target)) {
  process.stderr.write('usage: grpc-health.mjs host:port [service] [timeoutMs]\n');
  process.exit(2);
}
const Client = grpc.makeGenericClientConstructor(health.service, 'Health');
const client = new Client(target, grpc.credentials.createInsecure());
const deadline = new Date(Date.now() + Number(timeoutText));
client.check({ service }, { deadline }, (error, response) => {
  client.close();
  if (error) {
    process.stderr.write(
      `health ${target} ${service || '(server)'}: ${grpc.status[error.code] ?? error.code} ${error.details}\n`,
    );
    process.exit(1);
  }
  const status = response.status;
  process.stdout.write(`health ${target} ${service || '(server)'}: ${status}\n`);
  process.exit(status === 'SERVING' || status === 1 ? 0 : 1);
});
