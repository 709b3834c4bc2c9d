// The command line as a user meets it: --help of every subcommand, a short training run on the
// shared CIFAR-10 subset, and a run killed mid-epoch that --resume continues exactly.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModel, saveModule } from '../../src/index.js';
import { hasSharedCifar, SHARED_CIFAR } from '../helpers/cifar.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/kdgrad.mjs');
const dir = mkdtempSync(join(tmpdir(), 'kdgrad-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = promisify(execFile);
const kdgrad = (args: string[]) =>
  run(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, CIFAR10_DIR: SHARED_CIFAR },
    maxBuffer: 1 << 24,
  });
const small = ['--train-limit', '320', '--test-limit', '200', '--batch-size', '64'];

describe('kdgrad CLI', () => {
  const commands = [
    'train',
    'distill',
    'models',
    'eval',
    'inspect',
    'sweep',
    'demo',
    'compare',
    'learn',
  ];
  it.each(commands)('%s --help describes its options', async (cmd) => {
    const { stdout } = await kdgrad([cmd, '--help']);
    expect(stdout).toMatch(new RegExp(`Usage: kdgrad ${cmd}`));
    if (['train', 'distill', 'inspect'].includes(cmd)) expect(stdout).toMatch(/--seed <n>/);
    if (cmd !== 'models' && cmd !== 'learn') expect(stdout).toMatch(/--data <dir>/);
  });

  it('rejects bad options with the option and the value', async () => {
    await expect(kdgrad(['train', '--epochs', 'two'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--epochs must be an integer, got "two"/),
    });
    await expect(kdgrad(['train', '--optimizer', 'rmsprop'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--optimizer must be one of sgd, adam, adamw/),
    });
    await expect(
      kdgrad([
        'train',
        '--model',
        'resnet',
        '--train-limit',
        '64',
        '--out',
        join(dir, 'x.safetensors'),
      ]),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/unknown model "resnet"/) });
    await expect(kdgrad(['train', '--crop-padding-mode', 'wrap'])).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /--crop-padding-mode must be one of constant, edge, reflect, symmetric, got "wrap"/,
      ),
    });
    await expect(kdgrad(['distill', '--teacher', 'x', '--crop-fill', '300'])).rejects.toMatchObject(
      {
        stderr: expect.stringMatching(
          /--crop-fill must be 'mean', a pixel value 0-255 or r,g,b, got "300"/,
        ),
      },
    );
    // integers are decimal digits; counts are positive; limits are >= 0
    await expect(kdgrad(['train', '--epochs', '0x1'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--epochs must be an integer, got "0x1"/),
    });
    await expect(kdgrad(['train', '--epochs', '0'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--epochs must be a positive integer, got "0"/),
    });
    await expect(kdgrad(['sweep', '--seeds', '-1'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--seeds must be a positive integer, got "-1"/),
    });
    await expect(kdgrad(['train', '--stop-after', '-1'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--stop-after must be an integer >= 0, got "-1"/),
    });
    await expect(kdgrad(['inspect', '--batch-size', '0'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--batch-size must be a positive integer, got "0"/),
    });
    await expect(
      kdgrad(['distill', '--teacher', 'checkpoints/vgg-teacher.safetensors', '--loss', 'fitnet']),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/--loss must be one of kd, dkd, lskd, got "fitnet"/),
    });
    await expect(
      kdgrad([
        'distill',
        '--teacher',
        'checkpoints/vgg-teacher.safetensors',
        '--teacher',
        'checkpoints/resnet20-teacher.safetensors',
        '--loss',
        'dkd',
        '--out',
        join(dir, 'y.safetensors'),
      ]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/several teachers work with --loss kd/),
    });
    // the same checkpoint twice is one teacher, not two
    for (const cmd of ['distill', 'compare']) {
      await expect(
        kdgrad([
          cmd,
          '--teacher',
          'checkpoints/vgg-teacher.safetensors',
          '--teacher',
          './checkpoints/vgg-teacher.safetensors',
        ]),
      ).rejects.toMatchObject({
        stderr: expect.stringMatching(
          /--teacher \.\/checkpoints\/vgg-teacher\.safetensors is the same file as --teacher checkpoints\/vgg-teacher\.safetensors/,
        ),
      });
    }
    // options the chosen method ignores are refused with the reason
    const teacher = ['--teacher', 'checkpoints/vgg-teacher.safetensors'];
    await expect(
      kdgrad(['distill', ...teacher, '--loss', 'kd', '--dkd-beta', '3']),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /--dkd-beta does not apply to --loss kd \(it is for --loss dkd\)/,
      ),
    });
    await expect(
      kdgrad(['distill', ...teacher, '--loss', 'dkd', '--alpha', '0.5']),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /--alpha does not apply to --loss dkd \(it is for --loss kd \| lskd\)/,
      ),
    });
    // feature options: checked against the models before any data is read
    const resnet = ['--teacher', 'checkpoints/resnet20-teacher.safetensors', '--model', 'resnet8'];
    for (const [args, message] of [
      [['--feature-weight', '3'], /--feature-weight needs a feature loss: give --feature hint/],
      [
        ['--feature', 'at', '--feature-layers', 'nope'],
        /--feature-layers: the student has no layer named "nope"; its layers are: conv1, bn1,/,
      ],
      [
        ['--feature', 'at', '--feature-layers', 'layer2:layer3'],
        /--feature-layers: at on student layer2 \[32, 16, 16\] and teacher layer3 \[64, 8, 8\]: their maps must have the same height and width/,
      ],
      [['--feature', 'at', '--hint-epochs', '1'], /--hint-epochs is for the hint loss/],
      [
        ['--feature', 'hint', '--hint-epochs', '3', '--epochs', '3'],
        /--hint-epochs 3 leaves no epoch for the second stage: the run has 3 epochs/,
      ],
    ] as const) {
      await expect(kdgrad(['distill', ...resnet, ...args])).rejects.toMatchObject({
        stderr: expect.stringMatching(message),
      });
    }
    await expect(kdgrad(['compare', '--methods', 'scratch,at'])).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /--methods at: not on mlp-student and this teacher: no student and teacher layers with feature maps of the same size/,
      ),
    });
    await expect(kdgrad(['distill', ...teacher, '--temp-decay', '0.9'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--temp-decay does not apply to --schedule constant/),
    });
    await expect(kdgrad(['train', '--momentum', '0.5'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--momentum 0\.5 does nothing under --lr-schedule onecycle/),
    });
    for (const fill of ['1,,2', ',,']) {
      await expect(kdgrad(['train', '--crop-fill', fill])).rejects.toMatchObject({
        stderr: expect.stringMatching(/--crop-fill must be 'mean', a pixel value 0-255 or r,g,b/),
      });
    }
    await expect(kdgrad(['compare', '--methods', 'multi-probs'])).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /unknown or unavailable method "multi-probs"; with 1 teacher\(s\) choose from scratch, kd-T1/,
      ),
    });
  });

  it('refuses an --out that is a teacher, a directory or empty, and a temperature outside [0.05, 1000], before any training', async () => {
    const teacher = 'checkpoints/vgg-teacher.safetensors';
    await expect(
      kdgrad(['distill', '--teacher', teacher, '--out', `./${teacher}`]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /--out \.\/checkpoints\/vgg-teacher\.safetensors would overwrite the teacher checkpoints\/vgg-teacher\.safetensors; choose another --out/,
      ),
    });
    // the run state written beside --out counts too
    const stateNamed = join(dir, 'x.safetensors.train.safetensors');
    copyFileSync(teacher, stateNamed);
    await expect(
      kdgrad(['distill', '--teacher', stateNamed, '--out', join(dir, 'x.safetensors')]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /would overwrite the teacher .*x\.safetensors\.train\.safetensors \(the run state .*\); choose another --out/,
      ),
    });
    // an existing checkpoint that is not this run's own (the committed teacher) needs --force
    await expect(
      kdgrad(['train', '--epochs', '1', '--train-limit', '64', '--out', teacher]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /--out checkpoints\/vgg-teacher\.safetensors: checkpoints\/vgg-teacher\.safetensors exists; pass --force to overwrite it, --resume to continue the run saved there, or choose another --out/,
      ),
    });
    // a file name too long for the run state beside it, found before training
    await expect(
      kdgrad(['train', '--out', join(dir, `${'a'.repeat(240)}.safetensors`)]),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/the file name is too long/) });
    // a folder that cannot be written, found before training
    await expect(kdgrad(['train', '--out', '/dev/null/x.safetensors'])).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /--out \/dev\/null\/x\.safetensors: cannot write in \/dev\/null/,
      ),
    });
    await expect(kdgrad(['train', '--out', dir])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--out .* is a directory: give a file path/),
    });
    await expect(kdgrad(['train', '--out', ''])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--out is empty/),
    });
    for (const T of ['1e6', '1e-30']) {
      await expect(
        kdgrad([
          'distill',
          '--teacher',
          teacher,
          '--temperature',
          T,
          '--out',
          join(dir, 't.safetensors'),
        ]),
      ).rejects.toMatchObject({
        stderr: expect.stringMatching(/--temperature must be in \[0\.05, 1000\], got/),
      });
    }
  });

  it('a checkpoint without its model name names the option to give it; a broken teacher is named', async () => {
    const model = buildModel('mlp-student');
    const bare = join(dir, 'bare.safetensors');
    await saveModule(model, bare);
    await expect(kdgrad(['eval', '--checkpoint', bare])).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /does not say which model it holds; pass the model name with --model/,
      ),
    });
    // (learn reads the data first)
    if (hasSharedCifar)
      await expect(kdgrad(['learn', 't-squared', '--student', bare])).rejects.toMatchObject({
        stderr: expect.stringMatching(/pass the model name with --student-model/),
      });
    const w = model.stateDict()['1.weight']!;
    (w.storage.data as Float32Array)[7] = Number.NaN;
    const broken = join(dir, 'broken.safetensors');
    await saveModule(model, broken, { kdgrad_model: 'mlp-student' });
    await expect(
      kdgrad([
        'distill',
        '--teacher',
        broken,
        '--model',
        'mlp-student',
        '--out',
        join(dir, 'b.safetensors'),
      ]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /broken\.safetensors: weight 1\.weight holds NaN \(element 7\): the checkpoint is broken/,
      ),
    });
  });

  it('learn omitted-class refuses bad knobs before any data is read or student trained', async () => {
    for (const [args, msg] of [
      [['--alpha', '2'], /--alpha must be in \[0, 1\], got 2/],
      [['--lr', '-1'], /--lr must be a number > 0, got -1/],
      [['--seeds', '0'], /--seeds must be a positive integer, got "0"/],
      [['--temperature', '0'], /--temperature must be in \[0\.05, 1000\], got 0/],
    ] as const) {
      await expect(
        kdgrad(['learn', 'omitted-class', '--data', join(dir, 'no-data-here'), ...args]),
      ).rejects.toMatchObject({ stderr: expect.stringMatching(msg) });
    }
  });

  it('a reader that closes the pipe early (kdgrad models | head -1) ends the command quietly', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" models | head -1`], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.stdout).toMatch(/^\| model \| parameters/);
    expect(r.stderr).toBe('');
  });

  it('--version prints the package version; help marks required options and one augmentation convention', async () => {
    const { stdout } = await kdgrad(['--version']);
    expect(stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
    const distill = (await kdgrad(['distill', '--help'])).stdout;
    expect(distill).toMatch(/--teacher <file>\s+teacher checkpoint \(required/);
    expect(distill).toMatch(
      /--out <file>\s+checkpoint to write \(default:\s+runs\/<model>-distilled-seed<seed>\.safetensors\)/,
    );
    for (const cmd of ['train', 'distill', 'sweep', 'demo', 'compare']) {
      const help = (await kdgrad([cmd, '--help'])).stdout;
      expect(help, cmd).toMatch(/--augment\s/);
      expect(help, cmd).toMatch(/--no-augment\s/);
    }
    expect((await kdgrad(['sweep', '--help'])).stdout).toMatch(/\(default: 1,2,5\)/);
    expect((await kdgrad(['demo', '--help'])).stdout).not.toMatch(/ten minutes/);
  });

  it('says where it looked and how to get data when there is none', async () => {
    await expect(
      run(process.execPath, [bin, 'train', '--data', join(dir, 'nothing-here')], { cwd: root }),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /No CIFAR-10 data found at --data .*nothing-here[\s\S]*kdgrad download/,
      ),
    });
  });

  it('models lists the zoo with parameter counts', async () => {
    const { stdout } = await kdgrad(['models', '--json']);
    const rows = JSON.parse(stdout) as { name: string; parameters: number }[];
    expect(rows.find((r) => r.name === 'vgg-teacher')!.parameters).toBe(82_778);
    expect(rows.find((r) => r.name === 'resnet20')!.parameters).toBe(272_474);
    expect(rows.find((r) => r.name === 'resnet8')).toMatchObject({
      forwardMMacs: expect.closeTo(12.5, 1),
    });
  });

  it("models --layers lists a model's layer names with their output shapes; an unknown model is named", async () => {
    const { stdout } = await kdgrad(['models', '--layers', 'resnet8']);
    expect(stdout).toMatch(/^\| layer \| type \| output shape/);
    expect(stdout).toMatch(/\| layer2\.0\.conv1 \| Conv2d \| \[1, 32, 16, 16\] \|/);
    await expect(kdgrad(['models', '--layers', 'nope'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/unknown model "nope"; choose one of: vgg-teacher/),
    });
  });

  it.runIf(hasSharedCifar)(
    'trains one short epoch on the shared subset',
    async () => {
      const out = join(dir, 'short.safetensors');
      const { stdout, stderr } = await kdgrad([
        'train',
        '--model',
        'cnn-student',
        '--epochs',
        '1',
        ...small,
        '--crop-padding-mode',
        'reflect',
        '--out',
        out,
        '--json',
      ]);
      const result = JSON.parse(stdout);
      // the shared subset holds one of the five official training files: said, not silent
      expect(stderr).toMatch(
        /note: .* lacks data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin of the 5 official training files: training uses 10,000 images/,
      );
      expect(result.status).toBe('done');
      expect(result.history).toHaveLength(1);
      expect(result.history[0].testAccuracy).toBeGreaterThan(0.1);
      expect(readFileSync(out).length).toBeGreaterThan(1000);
    },
    120_000,
  );

  it.runIf(hasSharedCifar)(
    'distill, eval, inspect and demo run end to end on a small slice',
    async () => {
      const teacher = join(dir, 'teacher.safetensors');
      await kdgrad([
        'train',
        '--model',
        'cnn-student',
        '--epochs',
        '1',
        ...small,
        '--out',
        teacher,
        '--json',
      ]);
      const student = join(dir, 'student.safetensors');
      const distilled = JSON.parse(
        (
          await kdgrad([
            'distill',
            '--teacher',
            teacher,
            '--model',
            'mlp-student',
            '--temperature',
            '2',
            '--epochs',
            '1',
            ...small,
            '--out',
            student,
            '--json',
          ])
        ).stdout,
      );
      expect(distilled.history[0].softLoss).toBeGreaterThan(0);
      expect(distilled.history[0].temperature).toBe(2);
      for (const loss of ['dkd', 'lskd']) {
        const r = JSON.parse(
          (
            await kdgrad([
              'distill',
              '--teacher',
              teacher,
              '--model',
              'mlp-student',
              '--loss',
              loss,
              '--epochs',
              '1',
              ...small,
              '--out',
              join(dir, `${loss}.safetensors`),
              '--json',
            ])
          ).stdout,
        );
        expect(r.status, loss).toBe('done');
        expect(r.history[0].softLoss, loss).toBeGreaterThan(0);
      }
      // a feature term end to end: attention transfer on the default pair of layers
      const at = JSON.parse(
        (
          await kdgrad([
            'distill',
            '--teacher',
            teacher,
            '--model',
            'cnn-student',
            '--feature',
            'at',
            '--epochs',
            '1',
            ...small,
            '--out',
            join(dir, 'at.safetensors'),
            '--json',
          ])
        ).stdout,
      );
      expect(at.status).toBe('done');
      expect(at.history[0].featureLoss).toBeGreaterThan(0);
      const cmpDir = join(dir, 'compare');
      await kdgrad([
        'compare',
        '--teacher',
        teacher,
        '--teacher',
        'checkpoints/vgg-teacher.safetensors',
        '--methods',
        'scratch,kd-T2,multi-logits,dkd',
        '--seeds',
        '1',
        '--epochs',
        '1',
        '--train-limit',
        '256',
        '--test-limit',
        '200',
        '--out-dir',
        cmpDir,
      ]);
      expect(readFileSync(join(cmpDir, 'compare.md'), 'utf8')).toMatch(
        /\| multi-logits \| 2 teachers, logits averaged/,
      );
      const ev = JSON.parse((await kdgrad(['eval', '--checkpoint', student, '--json'])).stdout);
      expect(ev.confusion).toHaveLength(10);
      expect(ev.count).toBe(10_000);
      const { stdout: table } = await kdgrad([
        'inspect',
        '--teacher',
        teacher,
        '--student',
        student,
        '--temperatures',
        '1,4',
        '--batch-size',
        '16',
      ]);
      expect(table).toMatch(/\| 4 \| [-0-9.e+]+ \|/);
      const outDir = join(dir, 'report');
      const { stdout } = await kdgrad([
        'demo',
        '--teacher',
        teacher,
        '--epochs',
        '1',
        '--seeds',
        '2',
        '--temperatures',
        '1,2',
        '--train-limit',
        '256',
        '--test-limit',
        '200',
        '--out-dir',
        outDir,
      ]);
      expect(stdout).toMatch(/teacher \(cnn-student\)/);
      for (const f of ['sweep.md', 'sweep.json', 'accuracy-vs-T.svg', 'training-curves.svg'])
        expect(readFileSync(join(outDir, f)).length).toBeGreaterThan(100);
      expect(readFileSync(join(outDir, 'sweep.md'), 'utf8')).toMatch(/## Gradient report/);
    },
    240_000,
  );

  it.runIf(hasSharedCifar)(
    'learn: each lesson prints its table and a conclusion computed from it, on the committed teacher',
    async () => {
      const sq = (await kdgrad(['learn', 't-squared', '--images', '64'])).stdout;
      expect(sq).toMatch(/\| 64 \| [\d.e+-]+ \| [\d.e+-]+ \|/);
      expect(sq).toMatch(/From T = 32 to 64 the unscaled soft gradient falls as T\^-[12]\.\d\d/);
      const lm = JSON.parse(
        (await kdgrad(['learn', 'logit-matching', '--images', '64', '--json'])).stdout,
      ) as { slope: number };
      expect(lm.slope).toBeLessThan(-0.8);
      // the same report as plain text: aligned columns, no table pipes
      const plain = (await kdgrad(['learn', 't-squared', '--images', '64', '--format', 'plain']))
        .stdout;
      expect(plain).toMatch(/^\s+T\s+‖∂KL\/∂s‖\s+‖∂\(T²·KL\)\/∂s‖$/m);
      expect(plain).toMatch(/^\s*64\s+[\d.e+-]+\s+[\d.e+-]+$/m);
      expect(plain).not.toMatch(/\|/);
      await expect(kdgrad(['learn', 'nope'])).rejects.toMatchObject({
        stderr: expect.stringMatching(
          /<topic> must be one of t-squared, logit-matching, dark-knowledge, omitted-class, several-teachers, learned-t, feature-gradients/,
        ),
      });
      const lt = (await kdgrad(['learn', 'learned-t', '--images', '64'])).stdout;
      expect(lt).toMatch(
        /\| 32 \| [\d.e+-]+ \| [\d.e+-]+ \| -[\d.e+-]+ \| -?[\d.e+-]+ \| (\d\.\de-1\d|0\.0e\+0) \|/,
      );
      expect(lt).toMatch(/KL: T up from 4 to [\d.]+, .*T²·KL: T down from 4 to 0\.\d+/);
      const st = JSON.parse(
        (await kdgrad(['learn', 'several-teachers', '--images', '300', '--json'])).stdout,
      ) as {
        teachers: { name: string; accuracy: number }[];
        rows: { T: number; kl: number }[];
        conclusion: string;
      };
      expect(st.teachers.map((t) => t.name)).toEqual(['vgg-teacher', 'resnet20']);
      expect(st.rows.map((r) => r.T)).toEqual([1, 4]);
      expect(st.conclusion).toMatch(
        /^At T = 1 the (probability|logit) average is the softer target/,
      );
      await expect(
        kdgrad(['learn', 'several-teachers', '--teachers', 'checkpoints/vgg-teacher.safetensors']),
      ).rejects.toMatchObject({
        stderr: expect.stringMatching(/--teachers needs two or more checkpoints/),
      });
      await expect(kdgrad(['learn', 'omitted-class', '--omit', 'zebra'])).rejects.toMatchObject({
        stderr: expect.stringMatching(
          /--omit must be a class name \(airplane, .*truck\) or 0-9, got zebra/,
        ),
      });
    },
    120_000,
  );

  it.runIf(hasSharedCifar)(
    'learn omitted-class: without one class in the transfer set, distillation and the bias shift recover it',
    async () => {
      type Row = { method: string; omittedMean: number; omittedStd: number };
      const r = JSON.parse(
        (
          await kdgrad([
            'learn',
            'omitted-class',
            '--omit',
            '1',
            '--seeds',
            '2',
            '--epochs',
            '2',
            '--json',
          ])
        ).stdout,
      ) as {
        omitted: string;
        share: number;
        rows: Row[];
        runs: { method: string; predictedShare: number }[];
        conclusion: string;
      };
      expect(r.omitted).toBe('automobile');
      const row = (m: string) => r.rows.find((x) => x.method === m)!;
      expect(row('scratch').omittedMean).toBeLessThan(0.02); // never saw the class: (almost) never predicts it
      for (const run of r.runs.filter((x) => x.method.endsWith('+ bias')))
        expect(run.predictedShare).toBeCloseTo(r.share, 3);
      const [db, sb] = [row('distilled + bias'), row('scratch + bias')];
      expect(db.omittedMean - sb.omittedMean).toBeGreaterThan(
        2 * Math.hypot(db.omittedStd, sb.omittedStd),
      );
      expect(r.conclusion).toMatch(/the distilled student learned what an automobile looks like/);
    },
    300_000,
  );

  it.runIf(hasSharedCifar)(
    'train writes to runs/ by default, never over the committed teacher; a second run needs --force',
    async () => {
      const cwd = mkdtempSync(join(dir, 'cwd-'));
      const inCwd = (args: string[]) =>
        run(process.execPath, [bin, ...args], {
          cwd,
          env: { ...process.env, CIFAR10_DIR: SHARED_CIFAR },
        });
      const args = [
        'train',
        '--model',
        'mlp-student',
        '--epochs',
        '1',
        '--train-limit',
        '64',
        '--test-limit',
        '64',
        '--json',
      ];
      const first = JSON.parse((await inCwd(args)).stdout);
      expect(first.out).toBe(join('runs', 'mlp-student-seed0.safetensors'));
      expect(existsSync(join(cwd, 'runs/mlp-student-seed0.safetensors'))).toBe(true);
      expect(existsSync(join(cwd, 'checkpoints'))).toBe(false);
      const before = readFileSync(join(cwd, first.out));
      await expect(inCwd(args)).rejects.toMatchObject({
        stderr: expect.stringMatching(/runs\/mlp-student-seed0\.safetensors exists; pass --force/),
      });
      expect(readFileSync(join(cwd, first.out)).equals(before)).toBe(true);
      await inCwd([...args, '--force', '--seed', '0']);
      const distilled = JSON.parse(
        (
          await inCwd([
            'distill',
            '--teacher',
            join(root, 'checkpoints/vgg-teacher.safetensors'),
            '--model',
            'mlp-student',
            '--epochs',
            '1',
            '--train-limit',
            '64',
            '--test-limit',
            '64',
            '--seed',
            '2',
            '--json',
          ])
        ).stdout,
      );
      expect(distilled.out).toBe(join('runs', 'mlp-student-distilled-seed2.safetensors'));
    },
    120_000,
  );

  it.runIf(hasSharedCifar)(
    'a NaN/Inf loss stops training with a message and exit code 3',
    async () => {
      const out = join(dir, 'diverge.safetensors');
      await expect(
        kdgrad([
          'train',
          '--model',
          'mlp-student',
          '--lr',
          '1e12',
          '--lr-schedule',
          'constant',
          '--no-augment',
          '--epochs',
          '2',
          ...small,
          '--out',
          out,
        ]),
      ).rejects.toMatchObject({
        code: 3,
        stderr: expect.stringMatching(
          /loss (is (NaN|Infinity)|[\d.e+]+ is over 10,000 × the first batch's \([\d.]+\)) at epoch 1, batch \d+: training diverged[\s\S]*No checkpoint was written/,
        ),
      });
    },
    60_000,
  );

  it.runIf(hasSharedCifar)(
    'a run killed mid-epoch resumes exactly (same weights as an uninterrupted run)',
    async () => {
      const args = (out: string) => [
        'train',
        '--model',
        'cnn-student',
        '--epochs',
        '2',
        ...small,
        '--out',
        out,
        '--seed',
        '3',
      ];
      const straight = join(dir, 'straight.safetensors');
      await kdgrad([...args(straight), '--json']);
      // kill with SIGINT once the first epoch has been reported
      const killed = join(dir, 'killed.safetensors');
      const child = spawn(process.execPath, [bin, ...args(killed)], {
        cwd: root,
        env: { ...process.env, CIFAR10_DIR: SHARED_CIFAR },
      });
      let stderr = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (/epoch 1\/2 \|/.test(stderr) && !child.killed) child.kill('SIGINT');
        });
        child.on('exit', (c) => resolve(c));
      });
      expect(stderr).toMatch(/saving a checkpoint after this batch/);
      expect(code).toBe(130);
      await kdgrad([...args(killed), '--resume', '--json']);
      expect(readFileSync(killed).equals(readFileSync(straight))).toBe(true);
      // and a run stopped after a given number of batches, mid-epoch
      const partial = join(dir, 'partial.safetensors');
      await kdgrad([...args(partial), '--stop-after', '3']).catch((e) => expect(e.code).toBe(130));
      // resuming with other options would train nothing or something else: refused, each conflict named
      const other = [...args(partial).map((a) => (a === '2' ? '3' : a)), '--lr', '0.1', '--resume'];
      await expect(kdgrad(other)).rejects.toMatchObject({
        stderr: expect.stringMatching(
          /--resume: .* was saved by a run with other options[\s\S]*--epochs: saved 2, given 3[\s\S]*--lr: saved 0\.05, given 0\.1/,
        ),
      });
      await kdgrad([...args(partial), '--resume']);
      expect(readFileSync(partial).equals(readFileSync(straight))).toBe(true);
    },
    240_000,
  );
});
