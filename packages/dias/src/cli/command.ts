// What every dias command provides: its name, a one-line summary, its --help text, and run().
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** An error the user caused (bad flag, missing file): printed without a stack, exit code 2. */
export class UsageError extends Error {}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
