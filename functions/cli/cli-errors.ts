import { CommanderError } from 'commander';
import { FieldError, HeraldError } from '../core/errors.ts';
import { relativeToCwd } from './paths.ts';

/** The CLI's exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** Some posts (or addresses) failed; the rest were published (or added). */
  someFailed: 1,
  /** A usage or configuration mistake: a bad option value, a missing file, an unreachable endpoint. */
  usage: 2,
  /** Something the user cannot fix by changing the command: a bug, or storage that failed. */
  internal: 3,
} as const;

/**
 * Turns any error that reaches the top of the CLI into one line a user can act on and an exit
 * code. Errors are matched on what they are (Herald's own classes, Node's error codes, the AWS
 * SDK's error names), never on their wording.
 * @param error what was thrown
 * @returns the line to print (without a trailing newline) and the exit code
 */
export function explain(error: unknown): { line: string; code: number } {
  if (error instanceof FieldError) return { line: error.message, code: EXIT.usage };
  if (error instanceof HeraldError) return { line: error.message, code: EXIT.usage };
  const e = (error ?? {}) as NodeJS.ErrnoException & { address?: string; port?: number; errors?: unknown[] };
  const code = e.code ?? firstCode(e.errors);
  const where = e.path ? relativeToCwd(e.path) : undefined;
  switch (code) {
    case 'ENOENT':
      return { line: `${where ?? 'a file'}: not found; check the path`, code: EXIT.usage };
    case 'EACCES':
    case 'EPERM':
      return { line: `${where ?? 'a file'}: permission denied; check who owns it`, code: EXIT.usage };
    case 'ENOTDIR':
    case 'EEXIST':
      return { line: `${where ?? 'a path'}: is a file where a folder is needed`, code: EXIT.usage };
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return {
        line: `${e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : 'the endpoint'}: cannot be reached (${code}); start local mode (npm start) or check --endpoint`,
        code: EXIT.usage,
      };
  }
  if (e.name === 'CredentialsProviderError')
    return {
      line: 'no AWS credentials found: run aws configure, or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
      code: EXIT.usage,
    };
  return {
    line: `unexpected error: ${e.message ?? String(error)} (run again with --verbose to see where)`,
    code: EXIT.internal,
  };
}

/** The exit code for one of commander's own errors: 0 after help or --version, else a usage error. */
export function commanderExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
}

export { CommanderError };

// Node 20 tries every address of "localhost" and reports an AggregateError of their failures.
function firstCode(errors: unknown[] | undefined): string | undefined {
  for (const inner of errors ?? []) {
    const code = (inner as NodeJS.ErrnoException).code;
    if (code) return code;
  }
  return undefined;
}
