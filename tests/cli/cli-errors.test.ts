import { describe, expect, it } from 'vitest';
import { EXIT, explain } from '../../functions/cli/cli-errors.ts';
import { ConfigError, UsageError } from '../../functions/core/errors.ts';

function errno(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code}: something low-level`), { code, ...extra });
}

describe('explain: any error at the top of the CLI as one line and an exit code', () => {
  it('passes Herald’s own messages through as usage or configuration errors', () => {
    expect(explain(new UsageError('--port 1: in use'))).toEqual({
      line: '--port 1: in use',
      code: EXIT.usage,
    });
    expect(explain(new ConfigError('site.yaml', 'title', 'is missing'))).toEqual({
      line: 'site.yaml: title: is missing',
      code: EXIT.usage,
    });
  });

  it('names the path of a missing or unreadable file', () => {
    expect(explain(errno('ENOENT', { path: '/nowhere/list.csv' }))).toEqual({
      line: '/nowhere/list.csv: not found; check the path',
      code: EXIT.usage,
    });
    expect(explain(errno('EACCES', { path: '/root/x' })).line).toBe(
      '/root/x: permission denied; check who owns it',
    );
  });

  it('names an endpoint that refuses connections, also inside an AggregateError', () => {
    expect(explain(errno('ECONNREFUSED', { address: '127.0.0.1', port: 4569 })).line).toBe(
      '127.0.0.1:4569: cannot be reached (ECONNREFUSED); start local mode (npm start) or check --endpoint',
    );
    const aggregate = new AggregateError([errno('ECONNREFUSED')], 'connect failed');
    expect(explain(aggregate)).toEqual({
      line: 'the endpoint: cannot be reached (ECONNREFUSED); start local mode (npm start) or check --endpoint',
      code: EXIT.usage,
    });
  });

  it('says how to provide AWS credentials when there are none', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(explain(error)).toEqual({
      line: 'no AWS credentials found: run aws configure, or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
      code: EXIT.usage,
    });
  });

  it('keeps anything else apart from user mistakes, and never throws on odd values', () => {
    expect(explain(new TypeError('x is undefined'))).toEqual({
      line: 'unexpected error: x is undefined (run again with --verbose to see where)',
      code: EXIT.internal,
    });
    expect(explain(undefined).code).toBe(EXIT.internal);
    expect(explain('a string').line).toBe(
      'unexpected error: a string (run again with --verbose to see where)',
    );
  });
});
