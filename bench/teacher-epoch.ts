// One epoch of the teacher recipe (vgg-teacher, 10,000 images, crop + flip, SGD one-cycle, batch
// 64) on the CIFAR-10 folder: kdgrad's side of the bench's teacher-epoch row. Prints the
// training seconds (evaluation excluded) as JSON.
import { resolveCifarDir, loadCifarSplit } from '../src/data/folder.js';
import { channelStats } from '../src/data/transforms.js';
import { buildModel } from '../src/models/zoo.js';
import { threadsReady } from '../src/tensor/backend/index.js';
import { Generator } from '../src/tensor/random.js';
import { TEACHER_RECIPE } from '../src/train/config.js';
import { Trainer } from '../src/train/trainer.js';
import { trainingMacsPerImage } from './macs.js';

await threadsReady();
const dir = await resolveCifarDir();
const [train, test] = await Promise.all([
  loadCifarSplit(dir, 'train'),
  loadCifarSplit(dir, 'test'),
]);
const config = { ...TEACHER_RECIPE, epochs: 1, testLimit: 100 };
const model = buildModel('vgg-teacher', { generator: new Generator(0) });
const macsPerImage = trainingMacsPerImage(model, [1, 3, 32, 32]);
const trainer = new Trainer(model, train, test, channelStats(train), config);
await trainer.run();
const seconds = trainer.state.history[0]!.seconds;
process.stdout.write(`${JSON.stringify({ seconds, images: train.count, macsPerImage })}\n`);
