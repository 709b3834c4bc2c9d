// Files shipped with the package, found from this module's location: src/cli/ in a clone and
// dist/cli/ when built are both two folders below the package root.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A path inside the installed package (e.g. the committed teacher checkpoint). */
export const packageFile = (rel: string): string =>
  fileURLToPath(new URL(`../../${rel}`, import.meta.url));

export function packageVersion(): string {
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string })
    .version;
}
