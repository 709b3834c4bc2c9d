#!/usr/bin/env node
// The kdgrad command line: runs src/cli/main.ts through tsx's loader (no build step needed).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
