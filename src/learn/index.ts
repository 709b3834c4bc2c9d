// The lessons of `kdgrad learn`, as functions: each returns its numbers and a conclusion computed
// from them.
export {
  tSquaredLesson,
  logitMatchingLesson,
  darkKnowledgeLesson,
  learnedTLesson,
  severalTeachersLesson,
} from './lessons.js';
export type {
  TSquaredLesson,
  LogitMatchingLesson,
  DarkKnowledgeLesson,
  LearnedTLesson,
  SeveralTeachersLesson,
} from './lessons.js';
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
