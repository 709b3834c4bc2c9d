// The messages between the lab page and its Web Worker.
import type { Metrics2D, SeedsReading, Settings2D } from './bench2d.js';
import type { CifarPoint, CifarSettings, SoftTargetRow } from './cifar.js';

export interface Regions {
  cls: Uint8Array;
  conf: Float32Array;
}

export type ToWorker =
  | { type: 'init2d'; settings: Settings2D }
  | { type: 'knobs2d'; knobs: Partial<Pick<Settings2D, 'T' | 'alpha' | 'lr'>> }
  | { type: 'run2d'; running: boolean }
  | { type: 'step2d'; steps: number }
  | { type: 'seeds2d'; settings: Settings2D; seeds: number[]; steps: number }
  | { type: 'initCifar'; train: ArrayBuffer; test: ArrayBuffer; settings: CifarSettings }
  | { type: 'knobsCifar'; knobs: Partial<Pick<CifarSettings, 'T' | 'alpha' | 'lr'>> }
  | { type: 'runCifar'; running: boolean }
  | { type: 'threads' };

export type FromWorker =
  | {
      type: 'ready2d';
      teacherAccuracy: number;
      teacher: Regions;
      points: { labelled: Float32Array; labels: Int32Array; transfer: Float32Array };
    }
  | { type: 'metrics2d'; metrics: Metrics2D; regions?: { scratch: Regions; distilled: Regions } }
  | { type: 'seeds2d'; reading: SeedsReading }
  | { type: 'readyCifar'; teacherAccuracy: number; train: number; test: number }
  | {
      type: 'cifar';
      step: number;
      imagesPerSecond: number;
      point?: CifarPoint;
      samples?: SoftTargetRow[];
    }
  | { type: 'threads'; isolated: boolean; status: string }
  | { type: 'error'; message: string };
