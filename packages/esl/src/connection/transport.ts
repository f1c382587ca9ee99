import { connect } from 'node:net';

/** The slice of a socket the connection needs; net.Socket satisfies it. */
export interface EslTransport {
  write(data: Buffer): unknown;
  end(): unknown;
  destroy(): unknown;
  on(event: 'connect', listener: () => void): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface TransportTarget {
  readonly host: string;
  readonly port: number;
}

export type TransportFactory = (target: TransportTarget) => EslTransport;

export const tcpTransport: TransportFactory = ({ host, port }) => connect({ host, port, noDelay: true });
