// One peer per process, so their allocations and JIT state do not disturb each other.
import { runBrowser } from './browser.js';
import { runConvnetjs } from './convnetjs.js';
import { runJaxjs } from './jaxjs.js';
import { runKdgrad } from './kdgrad.js';
import { runTfjs } from './tfjs.js';

const peer = process.argv[2];
const run =
  peer === 'kdgrad'
    ? runKdgrad()
    : peer === 'tfjs-cpu'
      ? runTfjs('cpu')
      : peer === 'tfjs-wasm'
        ? runTfjs('wasm')
        : peer === 'convnetjs'
          ? runConvnetjs()
          : peer === 'jaxjs'
            ? runJaxjs()
            : peer === 'chromium'
              ? runBrowser()
              : null;
if (!run) {
  process.stderr.write(`unknown peer ${peer}\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await run)}\n`);
