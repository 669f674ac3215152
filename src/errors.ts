// One error class for fatal, user-facing conditions: a message, an optional hint, an exit code.
// Anything else that escapes to the CLI is a bug and is reported as an internal error.
export class UserError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'UserError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}
