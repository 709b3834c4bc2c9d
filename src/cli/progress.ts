// Progress display: a cli-progress bar with ETA and running loss/accuracy on a terminal,
// one line per epoch otherwise (CI logs), nothing with --json.
import cliProgress from 'cli-progress';
import type { BatchInfo, EpochRecord } from '../train/trainer.js';

export interface Progress {
  onBatch(i: BatchInfo): void;
  onEpoch(r: EpochRecord): void;
  stop(): void;
}

export function makeProgress(label: string, epochs: number, opts: { quiet: boolean }): Progress {
  if (opts.quiet) return { onBatch() {}, onEpoch() {}, stop() {} };
  const tty = Boolean(process.stderr.isTTY);
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: `${label} epoch {epoch}/${epochs} [{bar}] {value}/{total} batches | ETA {eta_formatted} | train loss {loss} | acc {acc}% | lr {lr}`,
          hideCursor: true,
          clearOnComplete: true,
          stream: process.stderr,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  return {
    onBatch(i) {
      if (!bar) return;
      const payload = {
        epoch: i.epoch + 1,
        loss: i.loss.toFixed(4),
        acc: (100 * i.accuracy).toFixed(1),
        lr: i.lr.toExponential(2),
      };
      if (!started || i.batch === 1) {
        bar.start(i.batches, i.batch, payload);
        started = true;
      } else bar.update(i.batch, payload);
    },
    onEpoch(r) {
      if (bar) {
        bar.stop();
        started = false;
      }
      const kd =
        r.softLoss !== undefined
          ? ` | T ${r.temperature?.toFixed(2)} soft ${r.softLoss.toFixed(4)} hard ${r.hardLoss!.toFixed(4)}`
          : '';
      // distillation trains on the KD loss; the test set is always scored by cross-entropy
      const trained = r.softLoss !== undefined ? 'KD loss' : 'CE';
      process.stderr.write(
        `${label} epoch ${r.epoch}/${epochs} | train ${trained} ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAccuracy).toFixed(1)}% | test CE ${r.testLoss.toFixed(4)} acc ${(100 * r.testAccuracy).toFixed(2)}%${kd} | ${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(0)} img/s\n`,
      );
    },
    stop() {
      bar?.stop();
    },
  };
}
