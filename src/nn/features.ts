// The outputs of named inner modules for one forward pass, found by the names the state dict uses
// ('features.7', 'layer2', …): how a feature-distillation loss taps any layer of a teacher or a
// student without changing the model's code.
import { zeros } from '../autograd/creation.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Module } from './module.js';

type Forward = Module & { forward(x: Tensor): Tensor };

/** The module of each name, or an error that lists the names the model has. */
function modulesNamed(model: Module, names: readonly string[]): Map<string, Module> {
  const all = new Map(model.namedModules().filter(([n]) => n !== ''));
  const unknown = names.filter((n) => !all.has(n));
  if (unknown.length)
    throw new RangeError(
      `no layer named ${unknown.map((n) => JSON.stringify(n)).join(', ')}; ` +
        `the layers are: ${[...all.keys()].join(', ')}`,
    );
  return new Map(names.map((n) => [n, all.get(n)!]));
}

/** Runs model.forward(x) and returns its output and the output of each named module. */
export function forwardWithFeatures(
  model: Forward,
  x: Tensor,
  names: readonly string[],
): { output: Tensor; features: Record<string, Tensor> } {
  const features: Record<string, Tensor> = {};
  const handles = [...modulesNamed(model, names)].map(([name, m]) =>
    m.registerForwardHook((_, __, out) => {
      features[name] = out;
    }),
  );
  try {
    return { output: model.forward(x), features };
  } finally {
    for (const h of handles) h.remove();
  }
}

/** Every named module with its type and output shape for one input of `shape` (eval mode). */
export function layerShapes(
  model: Forward,
  shape: readonly number[],
): { name: string; type: string; shape: number[] }[] {
  const named = model.namedModules().filter(([n]) => n !== '');
  const shapes = new Map<string, number[]>();
  const handles = named.map(([name, m]) =>
    m.registerForwardHook((_, __, out) => {
      if (!shapes.has(name)) shapes.set(name, [...out.shape]);
    }),
  );
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => model.forward(zeros([...shape])));
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }
  return named
    .filter(([name]) => shapes.has(name))
    .map(([name, m]) => ({ name, type: m.constructor.name, shape: shapes.get(name)! }));
}
