import type { Server } from 'node:http';
export function buildWeb(): Promise<string>;
/** `dataDir`: the CIFAR-10 folder served under data/ (default: the one the CLI finds). */
export function serve(port?: number, opts?: { dataDir?: string }): Promise<Server>;
export function parsePort(value: string | undefined): number;
