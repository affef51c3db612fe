/**
 * The synthetic world: a 3x3 grid scene where labelled shapes appear, move, change colour and leave.
 * Everything here is plain data so the world can be generated, rendered and scored in Node and in a browser.
 */

export const FRAME_WIDTH = 192;
export const FRAME_HEIGHT = 128;

export const COLORS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'white'] as const;
export type Color = (typeof COLORS)[number];

export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring'] as const;
export type Shape = (typeof SHAPES)[number];

export const SIZES = ['small', 'large'] as const;
export type Size = (typeof SIZES)[number];

/** Row-major 3x3 grid; the names are also the words the memories use. */
export const POSITIONS = [
  'top left', 'top', 'top right',
  'left', 'center', 'right',
  'bottom left', 'bottom', 'bottom right',
] as const;
export type Position = (typeof POSITIONS)[number];

export const QUESTION_TYPES = ['color', 'shape', 'label', 'position', 'count', 'order'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export interface WorldObject {
  /** Unique within a stream; doubles as the entity's name in memories. */
  label: string;
  shape: Shape;
  size: Size;
  /** Colour when it first appears; `recolor` events change it. */
  color: Color;
}

export type WorldEvent =
  | { t: number; type: 'appear'; label: string; position: Position }
  | { t: number; type: 'leave'; label: string; position: Position }
  | { t: number; type: 'move'; label: string; from: Position; to: Position }
  | { t: number; type: 'recolor'; label: string; from: Color; to: Color };

/** The ground-truth event log written next to every generated stream. */
export interface EventLog {
  format: 'taskmem-world-events';
  version: 1;
  seed: number;
  width: number;
  height: number;
  durationSeconds: number;
  objects: WorldObject[];
  /** Sorted by time. */
  events: WorldEvent[];
}

/** What is visible at one instant. */
export interface VisibleObject extends WorldObject {
  position: Position;
}
