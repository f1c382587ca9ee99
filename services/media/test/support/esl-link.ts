import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * The network between media and the switch, under the test's control: it can be cut (every open
 * pair destroyed, new connections dropped on arrival, as a broken link would) or slowed (bytes
 * from the switch held back, in order, as behind a congested link or a busy switch).
 */
export class EslLink {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private switchDelayMs = 0;
  private lastReleaseAt = 0;

  constructor(private readonly switchPort: number) {
    this.server = createServer((media) => {
      if (this.cut) return void media.destroy();
      const upstream = createConnection({ host: '127.0.0.1', port: this.switchPort });
      media.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => this.release(() => media.write(chunk)));
      for (const [from, to] of [
        [media, upstream],
        [upstream, media],
      ] as const) {
        this.sockets.add(from);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  sever(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  /** Hold every later byte from the switch back by `ms` (order kept when the delay shrinks). */
  delaySwitch(ms: number): void {
    this.switchDelayMs = ms;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private release(write: () => void): void {
    const now = Date.now();
    const at = Math.max(now + this.switchDelayMs, this.lastReleaseAt);
    this.lastReleaseAt = at;
    if (at <= now) return write();
    setTimeout(write, at - now);
  }
}
