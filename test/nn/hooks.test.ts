// Forward hooks and the named intermediate outputs built on them.
import { describe, expect, it } from 'vitest';
import { Generator, nn, randn, tensor, type Tensor } from '../../src/index.js';
import { buildModel } from '../../src/models/zoo.js';

const g = new Generator(3);
const net = () =>
  new nn.Sequential(
    new nn.Linear(4, 8, { generator: g }),
    new nn.ReLU(),
    new nn.Linear(8, 3, { generator: g }),
  );

describe('forward hooks', () => {
  it('a hook sees the inputs and the output, and a returned tensor replaces the output', () => {
    const m = net();
    const x = randn([2, 4], { generator: g });
    const plain = m.forward(x).toArray();
    const seen: [unknown[], Tensor][] = [];
    const h = m.layers[0]!.registerForwardHook((_, inputs, out) => {
      seen.push([inputs, out]);
    });
    expect(m.forward(x).toArray()).toEqual(plain);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0][0]).toBe(x);
    expect(seen[0]![1].shape).toEqual([2, 8]);
    const zero = m.layers[2]!.registerForwardHook((_, __, out) => out.mul(0));
    expect(
      m
        .forward(x)
        .toArray<number[][]>()
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    zero.remove();
    h.remove();
    expect(m.forward(x).toArray()).toEqual(plain);
    expect(seen).toHaveLength(2); // the removed hook is not called again
    // with every hook gone the module's forward is its class's again
    expect(Object.hasOwn(m.layers[0]!, 'forward')).toBe(false);
  });

  it('a pre-hook may replace the inputs; hooks run in the order registered', () => {
    const m = new nn.ReLU();
    const order: string[] = [];
    m.registerForwardPreHook(() => {
      order.push('pre');
      return [tensor([-1, 2])];
    });
    m.registerForwardHook(() => {
      order.push('a');
    });
    m.registerForwardHook((_, __, out) => {
      order.push('b');
      return out.add(1);
    });
    expect(m.forward(tensor([5, -5])).toArray()).toEqual([1, 3]);
    expect(order).toEqual(['pre', 'a', 'b']);
  });

  it('hooks do not show up as fields: parameters, children and the state dict are unchanged', () => {
    const m = net();
    const keys = Object.keys(m.stateDict());
    const h = m.layers[0]!.registerForwardHook(() => {});
    expect(Object.keys(m.stateDict())).toEqual(keys);
    expect(m.layers[0]!.children()).toEqual([]);
    h.remove();
  });
});

describe('named intermediate outputs', () => {
  it('forwardWithFeatures returns the output and each named layer, and removes its hooks', () => {
    const m = buildModel('resnet8', { generator: new Generator(1) }).eval();
    const x = randn([2, 3, 32, 32], { generator: g });
    const { output, features } = nn.forwardWithFeatures(m, x, ['layer2', 'layer3.0.conv1']);
    expect(output.shape).toEqual([2, 10]);
    expect(features.layer2!.shape).toEqual([2, 32, 16, 16]);
    expect(features['layer3.0.conv1']!.shape).toEqual([2, 64, 8, 8]);
    expect(m.namedModules().some(([, mod]) => Object.hasOwn(mod, 'forward'))).toBe(false);
  });

  it('an unknown layer name lists the valid ones', () => {
    const m = buildModel('mlp-student');
    expect(() => nn.forwardWithFeatures(m, randn([1, 3, 32, 32]), ['layer9'])).toThrow(
      /no layer named "layer9"; the layers are: 0, 1, /,
    );
  });

  it('layerShapes lists every layer with its type and output shape, in eval mode', () => {
    const m = buildModel('resnet8');
    const rows = nn.layerShapes(m, [1, 3, 32, 32]);
    expect(rows[0]).toEqual({ name: 'conv1', type: 'Conv2d', shape: [1, 16, 32, 32] });
    expect(rows.find((r) => r.name === 'layer3')!.shape).toEqual([1, 64, 8, 8]);
    expect(m.training).toBe(true);
  });
});
