// What an exercise is: a file the learner writes (a stub to start from), the functions it must
// export, and the checks that grade them. A check is a list of named properties; each runs against
// the learner's functions only, never the library's own, with the library as the reference.
import type * as Kdgrad from '../index.js';

/** The kdgrad module the learner's file imports (the same instance the checks use). */
export type K = typeof Kdgrad;

/** The learner's module: the exports of their exercise file. */
export type LearnerModule = Record<string, unknown>;

/** A property failed: what, on which input, expected against got, and what usually causes it. */
export class PropertyFailure extends Error {
  constructor(
    readonly property: string,
    readonly input: string,
    readonly expected: string,
    readonly got: string,
    readonly hint: string,
  ) {
    super(`${property}: on ${input}, expected ${expected}, got ${got}. Hint: ${hint}`);
    this.name = 'PropertyFailure';
  }
}

export interface Property {
  /** What must hold, in words ("rows sum to 1"). */
  name: string;
  /** Throws PropertyFailure (or any error) when it does not hold. */
  run(k: K, m: LearnerModule): void | Promise<void>;
}

export interface Exercise {
  /** 1-based, the order to do them in. */
  n: number;
  /** The file name in the learner's folder (and in exercises/). */
  file: string;
  title: string;
  /** What it teaches, one line. */
  teaches: string;
  /** Where its mathematics is derived (a section of docs/derivations.md). */
  derivation: string;
  /** The functions the file must export. */
  exports: string[];
  properties: Property[];
}
