// The lab's Web Worker: all training happens here, so the page's main thread only draws. It runs
// the 2-D bench and the CIFAR-10 bench in small slices, answering messages between them, and
// uses kdgrad's wasm kernels on worker threads when the page is cross-origin isolated.
import { setNumThreads, threadsReady, threadStatus, vggTeacher } from '../../../src/index.js';
import { parseCifarBatch } from '../../../src/data/cifar.js';
import { decodeSafetensors } from '../../../src/nn/safetensors.js';
import { Bench2D, compareSeeds, type Settings2D } from './bench2d.js';
import { CifarBench, type CifarSettings } from './cifar.js';
import type { FromWorker, ToWorker } from './protocol.js';
// the committed teacher's weights, bundled so the page works without a server
import teacherBytes from '../../../checkpoints/vgg-teacher.safetensors';

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

let b2: Bench2D | null = null;
let run2 = false;
let bc: CifarBench | null = null;
let runC = false;
let looping = false;

/** How often the 2-D bench reports (steps) and redraws its regions. */
const REPORT = 10;
const REGIONS = 50;
/** The CIFAR bench evaluates on its test images every EVAL steps. */
const EVAL = 20;

function report2d(regions: boolean): void {
  if (!b2) return;
  post({
    type: 'metrics2d',
    metrics: b2.metrics(),
    ...(regions
      ? { regions: { scratch: b2.regions('scratch'), distilled: b2.regions('distilled') } }
      : {}),
  });
}

function reportCifar(evaluate: boolean): void {
  if (!bc) return;
  post({
    type: 'cifar',
    step: bc.step,
    imagesPerSecond: bc.imagesPerSecond(),
    ...(evaluate ? { point: bc.evaluate(), samples: bc.softTargets(4) } : {}),
  });
}

/** Trains whichever benches are running, a slice at a time, yielding to messages in between. */
async function loop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    while ((run2 && b2) || (runC && bc)) {
      if (run2 && b2) {
        b2.train(REPORT);
        report2d(b2.step % REGIONS === 0);
      }
      if (runC && bc) {
        bc.trainStep();
        reportCifar(bc.step % EVAL === 0);
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  } finally {
    looping = false;
  }
}

function init2d(settings: Settings2D): void {
  run2 = false;
  b2 = new Bench2D({ ...settings });
  post({
    type: 'ready2d',
    teacherAccuracy: b2.teacherAccuracy,
    teacher: b2.regions('teacher'),
    points: b2.points,
  });
  report2d(true);
}

function initCifar(train: ArrayBuffer, test: ArrayBuffer, settings: CifarSettings): void {
  runC = false;
  const teacher = vggTeacher();
  teacher.loadStateDict(decodeSafetensors(teacherBytes, 'vgg-teacher.safetensors').tensors);
  const trainSet = parseCifarBatch(new Uint8Array(train), 'training images');
  const testSet = parseCifarBatch(new Uint8Array(test), 'test images');
  bc = new CifarBench(trainSet, testSet, teacher, { ...settings });
  post({
    type: 'readyCifar',
    teacherAccuracy: bc.teacherAccuracy(),
    train: trainSet.count,
    test: testSet.count,
  });
  reportCifar(true);
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    switch (m.type) {
      case 'init2d':
        init2d(m.settings);
        break;
      case 'knobs2d':
        b2?.setKnobs(m.knobs);
        break;
      case 'run2d':
        run2 = m.running;
        break;
      case 'step2d':
        if (b2) {
          b2.train(m.steps);
          report2d(true);
        }
        break;
      case 'seeds2d':
        post({ type: 'seeds2d', reading: compareSeeds(m.settings, m.seeds, m.steps) });
        break;
      case 'initCifar':
        initCifar(m.train, m.test, m.settings);
        break;
      case 'knobsCifar':
        bc?.setKnobs(m.knobs);
        break;
      case 'runCifar':
        runC = m.running;
        break;
      case 'threads': {
        const isolated = Boolean((self as { crossOriginIsolated?: boolean }).crossOriginIsolated);
        if (isolated) {
          setNumThreads(2);
          await threadsReady();
        }
        post({ type: 'threads', isolated, status: threadStatus() });
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
  void loop();
};
