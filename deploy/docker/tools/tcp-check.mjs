#!/usr/bin/env node
// Connects to host:port and exits 0 when the connection opens (switch-sim's ESL port has no gRPC).
import { connect } from 'node:net';

const [target = '', timeoutText = '3000'] = process.argv.slice(2);
const match = /^([^\s:]+):(\d{1,5})$/.exec(target);
if (!match) {
  process.stderr.write('usage: tcp-check.mjs host:port [timeoutMs]\n');
  process.exit(2);
}
const socket = connect({ host: match[1], port: Number(match[2]), timeout: Number(timeoutText) });
socket.on('connect', () => {
  socket.destroy();
  process.exit(0);
});
const fail = (reason) => {
  process.stderr.write(`tcp ${target}: ${reason}\n`);
  process.exit(1);
};
socket.on('timeout', () => fail('timed out'));
socket.on('error', (error) => fail(error.code ?? error.message));
