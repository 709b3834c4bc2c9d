// `kdgrad models`: the zoo with parameter counts and MACs.
import type { Command } from 'commander';
import { buildModel, forwardMacs, ZOO } from '../../models/zoo.js';
import { layerShapes } from '../../nn/features.js';
import { printJson } from '../common.js';

export function modelTable(): {
  name: string;
  parameters: number;
  forwardMMacs: number;
  forwardMFlops: number;
  description: string;
}[] {
  return Object.values(ZOO).map((e) => {
    const m = e.build();
    const macs = forwardMacs(m);
    return {
      name: e.name,
      parameters: m.numParameters(),
      forwardMMacs: macs / 1e6,
      forwardMFlops: (2 * macs) / 1e6,
      description: e.description,
    };
  });
}

export function registerModels(program: Command): void {
  program
    .command('models')
    .description(
      'list the model zoo with parameter counts and multiply-accumulates (MACs) per image',
    )
    .option(
      '--layers <model>',
      "one model's layers: the names a feature loss or a hook takes, with each output's shape",
    )
    .option('--json', 'print JSON')
    .action((o: { json?: boolean; layers?: string }) => {
      if (o.layers !== undefined) {
        // buildModel names the zoo when the model is unknown
        const layers = layerShapes(buildModel(o.layers), [1, 3, 32, 32]);
        if (o.json) return printJson(layers);
        process.stdout.write(
          `| layer | type | output shape (one 3×32×32 image) |\n| --- | --- | --- |\n`,
        );
        for (const l of layers)
          process.stdout.write(`| ${l.name} | ${l.type} | [${l.shape.join(', ')}] |\n`);
        return;
      }
      const rows = modelTable();
      if (o.json) return printJson(rows);
      process.stdout.write(
        '| model | parameters | forward MMACs / image | description |\n| --- | ---: | ---: | --- |\n',
      );
      for (const r of rows)
        process.stdout.write(
          `| ${r.name} | ${r.parameters.toLocaleString('en-US')} | ${r.forwardMMacs.toFixed(1)} | ${r.description} |\n`,
        );
      process.stdout.write(
        'resnet18 and resnet34 take other widths as resnet18-w<N> (stage widths N, 2N, 4N, 8N).\n',
      );
    });
}
