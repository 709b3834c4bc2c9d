// `kdgrad models`: the zoo with parameter counts and FLOPs.
import type { Command } from 'commander';
import { forwardMacs, ZOO } from '../../models/zoo.js';
import { printJson } from '../common.js';

export function modelTable(): { name: string; parameters: number; forwardMFlops: number; description: string }[] {
  return Object.values(ZOO).map((e) => {
    const m = e.build();
    return { name: e.name, parameters: m.numParameters(), forwardMFlops: (2 * forwardMacs(m)) / 1e6, description: e.description };
  });
}

export function registerModels(program: Command): void {
  program.command('models').description('list the model zoo with parameter counts and FLOPs per image').option('--json', 'print JSON').action((o: { json?: boolean }) => {
    const rows = modelTable();
    if (o.json) return printJson(rows);
    process.stdout.write('| model | parameters | forward MFLOPs / image | description |\n| --- | ---: | ---: | --- |\n');
    for (const r of rows) process.stdout.write(`| ${r.name} | ${r.parameters.toLocaleString('en-US')} | ${r.forwardMFlops.toFixed(1)} | ${r.description} |\n`);
  });
}
