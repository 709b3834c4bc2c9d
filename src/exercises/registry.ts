// The exercises in order: one line each (each file holds its task's checks).
import { exercise as softmax } from './ex01-softmax.js';
import { exercise as backward } from './ex02-backward.js';
import { exercise as kl } from './ex03-kl.js';
import { exercise as softLoss } from './ex04-soft-loss.js';
import { exercise as kdLoss } from './ex05-kd-loss.js';
import { exercise as dldt } from './ex06-dldt.js';
import { exercise as schedule } from './ex07-schedule-teachers.js';
import { exercise as dkd } from './ex08-dkd.js';
import { exercise as bias } from './ex09-bias-shift.js';
import { exercise as loop } from './ex10-distil-loop.js';
import type { Exercise } from './types.js';

export const EXERCISES: readonly Exercise[] = [
  softmax,
  backward,
  kl,
  softLoss,
  kdLoss,
  dldt,
  schedule,
  dkd,
  bias,
  loop,
];
