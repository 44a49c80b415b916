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
