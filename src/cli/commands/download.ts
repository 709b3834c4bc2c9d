// `kdgrad download`: the official CIFAR-10 binary archive, checked and unpacked into ./data.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { CIFAR10_MD5, CIFAR10_URL, downloadCifar10 } from '../../data/download.js';
import { printJson } from '../common.js';

export function registerDownload(program: Command): void {
  program
    .command('download')
    .description(
      'download cifar-10-binary.tar.gz, verify its MD5 and unpack it into <dest>/cifar-10-batches-bin',
    )
    .option('--url <url>', 'archive URL', CIFAR10_URL)
    .option('--md5 <hex>', 'expected MD5 of the archive', CIFAR10_MD5)
    .option('--dest <dir>', 'destination folder', 'data')
    .option('--json', 'print JSON')
    .action(async (o: { url: string; md5: string; dest: string; json?: boolean }) => {
      const bar =
        !o.json && process.stderr.isTTY
          ? new cliProgress.SingleBar(
              {
                format:
                  'download [{bar}] {percentage}% | {value}/{total} bytes | ETA {eta_formatted}',
                stream: process.stderr,
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
      let started = false;
      const dir = await downloadCifar10({
        url: o.url,
        md5: o.md5,
        dest: o.dest,
        onProgress: (received, total) => {
          if (!bar) return;
          if (!started) {
            bar.start(total ?? received, received);
            started = true;
          }
          bar.update(received);
        },
      }).finally(() => bar?.stop());
      if (o.json) printJson({ dir });
      else process.stdout.write(`CIFAR-10 is in ${dir}\n`);
    });
}
