// kdgrad's command line (thin: parses arguments, calls the library, prints).
import { Command, CommanderError } from 'commander';
import { registerDownload } from './commands/download.js';
import { registerEval } from './commands/eval.js';
import { registerInspect } from './commands/inspect.js';
import { registerModels } from './commands/models.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrain } from './commands/train.js';

export function buildProgram(): Command {
  const program = new Command('kdgrad')
    .description('Knowledge distillation on CIFAR-10 with an autodiff engine written from scratch')
    .showHelpAfterError('(run with --help for usage)');
  registerModels(program);
  registerTrain(program);
  registerEval(program);
  registerInspect(program);
  registerSweep(program);
  registerDownload(program);
  return program;
}

const isMain = process.argv[1] !== undefined && /kdgrad(\.mjs)?$|cli[\\/]main\.ts$/.test(process.argv[1]);
if (isMain) {
  buildProgram().parseAsync(process.argv).catch((e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    process.stderr.write(`kdgrad: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
