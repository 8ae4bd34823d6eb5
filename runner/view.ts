/**
 * A generic view of a result's details, made by the suite that reached the
 * verdict and drawn by the reports (matrix.html's detail panel). The runner
 * knows no protocol: a suite says what to show (tables of columns and rows,
 * key/value lists, notes, pre-formatted text, links to the run's artifacts)
 * and the page draws it the same way for every suite.
 *
 * A view is plain JSON, made from a result record when the reports are
 * written (Suite.views), so that a run of any age gets them; it is not
 * stored in results.json. A result without views shows its `details` as JSON.
 * This module has types only: the page's browser code (runner/reports/html/page)
 * uses them too.
 */

/**
 * How a part stands, drawn with the page's colours: bad (differs), good (as
 * expected), muted (not checked, absent), del and add (the two sides of a
 * difference), accent (the other side of an exchange).
 */
export type Tone = 'bad' | 'good' | 'muted' | 'del' | 'add' | 'accent';

/**
 * A name for a part, for styling from outside the runner and for tests: one
 * or more lowercase words ([a-z][a-z0-9-]*) separated by spaces. The page
 * puts it in the element's class; its own styles never depend on it.
 */
export type ViewName = string;

/** Inline content. A string is plain text. */
export type ViewValue =
  | string
  | { text: string; tone?: Tone; code?: boolean; strong?: boolean; title?: string; name?: ViewName }
  /** Text as octets would be read: control characters made visible as \xNN. */
  | { bytes: string; name?: ViewName }
  /** Octets in hexadecimal: shown as text, with \xNN for what is not printable ASCII, and marked "(octets)". */
  | { hex: string; name?: ViewName }
  /** A file of the output folder (relative to it, as `artifacts` are): a link relative to the page. */
  | { file: string; text?: string }
  /** An http(s) link; anything else is shown as text. */
  | { url: string; text?: string }
  /** A list, one item a line (ul/li). */
  | { list: ViewValue[]; name?: ViewName }
  /** Several values side by side, in order. */
  | { seq: ViewValue[] };

/** A table cell: a value, or a value with a name and a tone for the cell. */
export type ViewCell = ViewValue | null | { cell: ViewValue | null; name?: ViewName; tone?: Tone; num?: boolean };

export interface ViewRow {
  cells: ViewCell[];
  name?: ViewName;
  tone?: Tone;
  /** data-KEY attributes of the row (a request's number, say), for links and tests. */
  data?: Record<string, string>;
}

export type ViewBlock =
  | { note: string; name?: ViewName }
  | { table: { columns: string[]; rows: ViewRow[] }; name?: ViewName }
  | { pairs: [string, ViewValue][]; name?: ViewName }
  /** Pre-formatted text (a JSON value, a log), under an optional heading. */
  | { pre: string; heading?: string; name?: ViewName }
  /** Blocks side by side where the screen is wide enough (expected beside actual, say). */
  | { columns: ViewBlock[]; name?: ViewName };

export interface DetailView {
  /** The heading of the panel's section: "Exchange". */
  title: string;
  /**
   * Where it goes: "comparison" stands in for the panel's line diff of expected
   * and actual (for a pattern matched against a value, a line diff says nothing);
   * "details" (the default) is a section of its own after it.
   */
  place?: 'comparison' | 'details';
  /**
   * The keys of `details` this view shows: the panel's "Other details" leaves
   * them out.
   */
  covers?: string[];
  name?: ViewName;
  blocks: ViewBlock[];
}
