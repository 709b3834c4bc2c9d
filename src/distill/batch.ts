// One call shape for every distillation loss: parts({ student, teachers, labels, epoch }). Each
// loss also keeps its own positional form (parts(studentLogits, teacherLogits, labels, …)) that
// mirrors the article's code; this one is what a training loop uses to treat them all alike.
import { Tensor } from '../autograd/tensor.js';
import type { Labels } from '../nn/functional/labels.js';

export interface DistillBatch {
  /** The student's logits [B, C]. */
  student: Tensor;
  /** Every teacher's logits [B, C] (one for all losses but MultiTeacherDistillationLoss). */
  teachers: readonly Tensor[];
  labels: Labels;
  /**
   * The epoch being trained, counted from 0 (schedules and warm-ups read it; DKD's warm-up counts
   * from 1 as mdistiller does, so it gets epoch + 1). Omitted: 0.
   */
  epoch?: number;
}

/** What every loss's parts(batch) returns, whatever else its own parts hold. */
export interface DistillParts {
  /** The total loss (a scalar). */
  loss: Tensor;
  /** CE(s, y) on the unscaled student logits. */
  hardLoss: Tensor;
  /** The distillation term as it enters the loss (T²·KL for KD; the warmed-up DKD term for DKD). */
  softLoss: Tensor;
}

/** A distillation loss usable by a training loop: parts of one batch. */
export interface DistillationObjective {
  parts(batch: DistillBatch): DistillParts;
}

export const isBatch = (a: unknown): a is DistillBatch =>
  typeof a === 'object' && a !== null && !(a instanceof Tensor) && 'student' in a;

/** The single teacher of a batch, for the losses that take one. */
export function oneTeacher(batch: DistillBatch, op: string): Tensor {
  if (batch.teachers.length !== 1)
    throw new RangeError(
      `${op}: takes one teacher, got ${batch.teachers.length} (MultiTeacherDistillationLoss takes several)`,
    );
  return batch.teachers[0]!;
}
