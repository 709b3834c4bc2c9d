// kdgrad's command line (thin: parses arguments, calls the library, prints).
import { inFlagWords } from './options.js';
import { Command, CommanderError } from 'commander';
import { registerCompare } from './commands/compare.js';
import { registerDownload } from './commands/download.js';
import { registerEval } from './commands/eval.js';
import { registerExercises } from './commands/exercises.js';
import { registerInspect } from './commands/inspect.js';
import { registerLearn } from './commands/learn.js';
import { registerModels } from './commands/models.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrain } from './commands/train.js';
import { packageVersion } from './paths.js';

export function buildProgram(): Command {
  const program = new Command('kdgrad')
    .description('Knowledge distillation on CIFAR-10 with an autodiff engine written from scratch')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)');
  registerModels(program);
  registerTrain(program);
  registerEval(program);
  registerInspect(program);
  registerSweep(program);
  registerCompare(program);
  registerLearn(program);
  registerDownload(program);
  registerExercises(program);
  return program;
}

/** Runs the command line on `argv` (process.argv's layout); errors become one line and exit 1. */
export async function main(argv: readonly string[]): Promise<void> {
  // a reader that stops early (`kdgrad models | head -1`) closes the pipe: nothing more to say
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    // the library names configuration fields; here they are the flags the user typed
    process.stderr.write(`kdgrad: ${(inFlagWords(e) as Error).message}\n`);
    process.exit(1);
  }
}

// `tsx src/cli/main.ts ...` during development (bin/kdgrad.mjs calls main() itself)
if (process.argv[1] !== undefined && /cli[\\/]main\.ts$/.test(process.argv[1]))
  await main(process.argv);
