import net from 'node:net';
import { eventOf, splitFrames, type EventView } from './trace-frames.js';

/** A raw test client: authenticated, subscribed to `event plain ALL`, with helpers to wait on frames. */
export async function eslClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let data = '';
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  const frames = () => splitFrames(data).filter((f) => !f.truncated);
  const events = (): EventView[] =>
    frames()
      .map(eventOf)
      .filter((e): e is EventView => e !== undefined);
  const until = async (predicate: () => boolean, ms = 10_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > end) throw new Error('timed out waiting for frames');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await until(() => frames().length >= 1);
  socket.write('auth ClueCon\n\nevent plain ALL\n\n');
  await until(() => frames().length >= 3);
  return { socket, frames, events, until };
}
