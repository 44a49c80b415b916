import type { Logger } from '../ports/logger.ts';

/**
 * One JSON object per line, as CloudWatch Logs Insights and `jq` read them.
 * @param write - where lines go (stderr by default)
 */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (level: string, message: string, fields: Record<string, unknown> = {}): void =>
    write(JSON.stringify({ level, message, ...fields }));
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that drops everything: for callers that report results themselves. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Lines for a person at a terminal: a post that failed reads `posts/x.md: date: reason`, anything
 * else `message key=value …`.
 * @param write - where lines go (stderr by default)
 */
export function textLogger(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (level: string, message: string, fields: Record<string, unknown> = {}): void => {
    const { key, field, reason, ...rest } = fields;
    const time = new Date().toTimeString().slice(0, 8);
    if (typeof key === 'string' && typeof field === 'string' && typeof reason === 'string') {
      write(`${time} ${level === 'info' ? '' : `${level}: `}${message}: ${key}: ${field}: ${reason}`);
      return;
    }
    const details = Object.entries({ key, ...rest })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    write(`${time} ${level === 'info' ? '' : `${level}: `}${message}${details ? ` ${details}` : ''}`);
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
