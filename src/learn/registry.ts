// The lessons of `kdgrad learn`, by topic: one line each (the lesson's file holds the rest).
import { darkKnowledge } from './dark-knowledge.js';
import { featureGradients } from './feature-gradients.js';
import { learnedT } from './learned-t.js';
import type { Lesson } from './lesson.js';
import { logitMatching } from './logit-matching.js';
import { omittedClass } from './omitted-class.js';
import { severalTeachers } from './several-teachers.js';
import { tSquared } from './t-squared.js';

export const LESSONS = {
  't-squared': tSquared,
  'logit-matching': logitMatching,
  'dark-knowledge': darkKnowledge,
  'omitted-class': omittedClass,
  'several-teachers': severalTeachers,
  'learned-t': learnedT,
  'feature-gradients': featureGradients,
} satisfies Record<string, Lesson>;

export type Topic = keyof typeof LESSONS;
export const TOPICS = Object.keys(LESSONS) as Topic[];
