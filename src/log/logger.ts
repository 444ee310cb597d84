import { type DestinationStream, type Logger, pino } from 'pino';
import { redactRequestUrl } from '../util/redact.js';

export interface LoggerOptions {
  level: string;
  /** Human-readable output; only worth it on a terminal. */
  pretty?: boolean;
  /** Where JSON lines go (stdout by default); tests capture them. */
  destination?: DestinationStream;
}

export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      serializers: {
        // Fastify logs every request URL; start calls carry camera URLs in the query.
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: redactRequestUrl(req.url),
          remoteAddress: req.ip,
        }),
      },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
    },
    destination,
  );
}
