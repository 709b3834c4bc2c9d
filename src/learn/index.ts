// The lessons of `kdgrad learn`, as functions: each returns its numbers and a conclusion computed
// from them; LESSONS holds each with its report, renderReport prints one.
export { tSquaredLesson, type TSquaredLesson } from './t-squared.js';
export { logitMatchingLesson, type LogitMatchingLesson } from './logit-matching.js';
export { darkKnowledgeLesson, type DarkKnowledgeLesson } from './dark-knowledge.js';
export { learnedTLesson, type LearnedTLesson } from './learned-t.js';
export { featureGradientLesson, type FeatureGradientLesson } from './feature-gradients.js';
export { severalTeachersLesson, type SeveralTeachersLesson } from './several-teachers.js';
export {
  omittedClassLesson,
  withoutClass,
  biasShiftForShare,
  accuracies,
  logitsOf,
  OMITTED_METHODS,
} from './omitted-class.js';
export type {
  OmittedClassLesson,
  OmittedClassOptions,
  OmittedClassRow,
  OmittedClassRun,
  OmittedMethod,
} from './omitted-class.js';
export { LESSONS, TOPICS, type Topic } from './registry.js';
export { renderReport, type Lesson, type LessonContext, type LessonReport } from './lesson.js';
