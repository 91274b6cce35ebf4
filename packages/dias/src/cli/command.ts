// What every dias command provides: its name, a one-line summary, its --help text, and run().
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** The help of a subcommand (`dias bench report --help`), when the command has subcommands with their own. */
  subcommandUsage?(sub: string): string | undefined;
  run(argv: string[]): Promise<number>;
}

/** What `dias NAME ARGV... --help` prints: the subcommand's own help when there is one, else the command's. */
export function helpText(command: Command, argv: string[]): string {
  const sub = argv[0];
  return (sub !== undefined && !sub.startsWith('-') && command.subcommandUsage?.(sub)) || command.usage;
}

/**
 * Exit codes, the same for every command:
 *   0  done;
 *   2  the command line is wrong and nothing was done: an unknown command or option, a missing, malformed,
 *      out-of-range or contradictory flag or setting (a config file is settings: its errors are 2 too), a path
 *      given (on the command line or in a setting) that does not exist or is of the wrong kind, an --id, model or
 *      host that matches nothing, an output that exists and would be overwritten, a port in use, a device this
 *      machine lacks;
 *   1  the command started and failed: a data, image or weights file that exists but cannot be read or breaks
 *      a rule, a check that found problems, a model that does not verify, a run that failed.
 * UsageError (and node:util parseArgs' errors) exit 2; any other error exits 1, unless it carries an `exitCode`
 * of 2, which lets the layers below the CLI (which cannot import UsageError) mark a usage error.
 */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error the user caused (bad flag, missing file): printed without a stack, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
}

/** The exit code of an error that ended a command, by the convention above. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  const { code, exitCode } = (error ?? {}) as { code?: unknown; exitCode?: unknown };
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return EXIT_USAGE;
  return exitCode === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE;
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
