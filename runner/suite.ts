/**
 * What a suite gives the runner. The runner is generic: it loads vectors and
 * targets, schedules them and drives adapters, but what a vector means, whether
 * it applies to a target and how its verdict is reached belong to the suite.
 */
import type { InputError } from './errors.js';
import type { JsonSource } from './json-source.js';
import type { Level, ResultRecord, Verdict } from './model.js';
import type { Citation } from './specs.js';
import type { DetailView } from './view.js';

export interface LoadedVector<D = unknown> {
  id: string;
  title: string;
  level: Level;
  citations: Citation[];
  flags: string[];
  /** Ids of the requirements the vector checks (vectors/specs/requirements/), if it cites any. */
  requirements?: string[];
  /** The profiles under which the vector has an expectation; undefined: every profile of its suite (or the suite has none). */
  profiles?: string[];
  source: { file: string; pointer: string };
  /** The suite's own view of the vector. */
  data: D;
}

/** Where a target reaches the harness (the cookie suite's origin server, say). */
export interface HarnessEndpoint {
  /** The address to listen on for this target: 127.0.0.1 for local adapters, the gateway of a container's network. */
  address: string;
  /** Lets the target reach a port the harness listens on at that address. */
  expose(port: number): Promise<void>;
}

export const LOCAL_HARNESS: HarnessEndpoint = { address: '127.0.0.1', expose: async () => undefined };

/** What the runner knows about a target when planning and running a vector. */
export interface TargetView {
  id: string;
  name: string;
  userAgentClass: string | undefined;
  /** Capabilities the adapter reported in hello (or, before hello, those its manifest claims). */
  capabilities: ReadonlySet<string>;
  /** The manifest's section for this suite, if any. */
  options: Record<string, unknown>;
  /**
   * How much slower than native the target is (its manifest's timeFactor;
   * undefined: 1). The runner scales its start-up budget and deadlines by it;
   * a suite scales the waits its vectors spell out (a segment within N ms).
   */
  timeFactor?: number;
  /** Where the target reaches the harness. */
  harness: HarnessEndpoint;
}

export type Decision = { run: true } | { run: false; verdict: 'skipped' | 'unsupported'; reason: string };

/** The connection to a target's adapter for one vector. */
export interface Session {
  /** Calls a method of the adapter contract; rejects with an AdapterFault when the adapter misbehaves. */
  call(method: string, params: unknown): Promise<unknown>;
  /** Hears the adapter's notifications during this vector (events such as packets it sent). */
  onNotification(handler: (method: string, params: unknown) => void): void;
  readonly signal: AbortSignal;
}

export interface RunContext {
  profile: string | undefined;
  /** The per-vector time budget, in milliseconds. */
  timeoutMs: number;
  /** A folder for this vector's artifacts (created on demand by the suite). */
  artifactDir: string;
  /** The run's output folder; artifact paths in results are relative to it. */
  outDir: string;
  /**
   * Files the suite keeps for this vector, by name, relative to outDir. A suite
   * registers them as soon as it knows them, so that they reach the result even
   * when the vector times out or errs.
   */
  artifacts: Record<string, string>;
  /** The suite's shared services for this run, as returned by setup(). */
  services: unknown;
  /** The run's seed (--seed, default 0): a suite derives its own choices (keys, ISNs) from it and the vector, so that a seed repeats a run. */
  seed: number;
  /**
   * Runs the harness's own set-up for this vector (adapters, namespaces,
   * captures): the vector's deadline is held meanwhile, and the set-up has the
   * start-up budget instead; past it the vector is an error, "start-up
   * exceeded N ms (what)", not a timeout of the target. Absent outside the
   * scheduler (then the work just runs).
   */
  startup?<T>(what: string, work: () => Promise<T>): Promise<T>;
}

export interface Outcome {
  verdict: Exclude<Verdict, 'timeout' | 'skipped'> | 'skipped';
  expected: unknown;
  actual: unknown;
  reason?: string;
  details?: unknown;
  artifacts?: Record<string, string>;
  /** Harness time spent inside the adapter's answer (an origin server's work, say), by name, in ms. */
  timing?: Record<string, number>;
}

/**
 * Where a role's adapter runs, for suites that build a topology (interop):
 * with the docker driver, the fabric network its container joins instead of
 * a network of its own. The local driver runs adapters on the host, and the
 * suite tells them where to act (a network namespace, say).
 */
export interface Placement {
  network?: string;
  /** Network sysctls of the adapter's container, on top of its manifest's (docker: /proc/sys is read-only inside). */
  sysctls?: Record<string, string | number>;
}

/** A network of the driver's fabric. */
export interface FabricNetwork {
  name: string;
  subnet: string;
  gateway: string;
}

/** A helper node of the fabric (a middlebox, say): built from a folder with a Dockerfile, on some networks. */
export interface FabricNodeSpec {
  name: string;
  /** A folder holding the Dockerfile. */
  context: string;
  networks: string[];
  capabilities?: string[];
  sysctls?: Record<string, string | number>;
  /** Host folders the node sees (read-write), say to write captures straight into the run's artifacts. */
  binds?: { host: string; node: string }[];
}

export interface FabricNode {
  /** Its address on each of its networks. */
  addresses: Record<string, string>;
  exec(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Reads a file out of the node. */
  readFile(path: string): Promise<Buffer>;
}

/**
 * What a driver that isolates targets (docker) offers a suite that builds a
 * topology: networks and helper nodes, all removed when the vector ends.
 */
export interface Fabric {
  readonly kind: string;
  network(name: string): Promise<FabricNetwork>;
  node(spec: FabricNodeSpec): Promise<FabricNode>;
}

/** How a suite asks for a role's adapter (Ensemble.start). */
export interface StartOptions {
  /**
   * The adapter may serve other vectors of the run, before and after this
   * one: the runner may hand this role an adapter of the same target, suite
   * and placement that an earlier vector kept, idle and still running
   * (already past hello), and keeps this one for a later vector when this
   * vector ends without a fault (not error, not timeout; after a fault it is
   * killed as any other). The suite asks for it only where its own contract
   * has the adapter leave no state behind between vectors (a call of its
   * own, at the vector's end), and must make that call before it returns.
   * For an adapter whose start-up is dear (a VM's boot).
   */
  keep?: boolean;
}

/** The targets of one vector of a suite with roles (an interop scenario), one per role. */
export interface Ensemble {
  targets: Record<string, TargetView>;
  /**
   * Starts the adapter of the role's target for this vector (it says hello
   * first); all are stopped when the vector ends, but those started with
   * `keep` that the vector leaves in good order (StartOptions).
   */
  start(role: string, placement?: Placement, options?: StartOptions): Promise<Session>;
  /** Networks and helper nodes, with a driver that isolates targets; undefined with the local driver. */
  fabric: Fabric | undefined;
}

export interface SuiteCommand {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/**
 * How a suite is measured against the requirements indexes
 * (vectors/specs/requirements/<doc>/, docs/requirements.md): `conformatrix
 * coverage` and the matrix's coverage panel count, for a run of a profile,
 * the requirements of that profile's document that the suite's vectors cite.
 */
export interface SuiteRequirements {
  /**
   * The document each profile is measured against: profile name → doc (a
   * document with a requirements index). A suite without profiles gives one
   * entry under the key "*".
   */
  measuredAgainst: Record<string, string>;
  /**
   * Whether every vector in the suite's own folder (vectorDir) must cite at
   * least one requirement; `validate` checks it. Vector sets elsewhere (an
   * imported corpus, your own) need not cite any.
   */
  vectorsMustCite: boolean;
}

export interface Suite<D = unknown> {
  name: string;
  title: string;
  /** $id of the JSON Schema of a vector file. */
  vectorSchema: string;
  /** Default folder of the suite's vectors. */
  vectorDir: string;
  /**
   * The capabilities a target of this suite may claim (in its manifest and in
   * hello), with what each means. A manifest claiming one that none of its
   * suites declares is invalid: a misspelled capability would otherwise make
   * vectors silently unsupported.
   */
  capabilities?: Record<string, string>;
  /** Spec profiles, when expectations can differ per profile. */
  profiles?: { names: string[]; default: string };
  /** Which requirements indexes the suite is measured against, when it is; its vectors' `requirements` are checked against the index in any case. */
  requirements?: SuiteRequirements;
  /** Vectors of one schema-valid file, and any errors the schema cannot express. */
  load(source: JsonSource): { vectors: LoadedVector<D>[]; errors: InputError[] };
  /** Whether the vector applies to the target at all, and whether the target can run it. */
  plan(vector: LoadedVector<D>, target: TargetView, profile: string | undefined): Decision;
  /** Runs one vector through the session and reaches a verdict. */
  run(vector: LoadedVector<D>, session: Session, target: TargetView, ctx: RunContext): Promise<Outcome>;
  /**
   * For suites whose vectors take several targets at once (interop): the
   * roles, in order. The runner plans every vector over every combination of
   * targets in these roles, and runs it with runEnsemble; run is not called.
   */
  roles?: string[];
  /** A vector's own time budget, in ms, when it needs more than the run's --timeout (a scenario's transfer, say): the larger counts. */
  timeoutMs?(vector: LoadedVector<D>): number | undefined;
  /** Whether the vector applies to this combination of targets. */
  planEnsemble?(vector: LoadedVector<D>, targets: Record<string, TargetView>): Decision;
  runEnsemble?(vector: LoadedVector<D>, ensemble: Ensemble, ctx: RunContext): Promise<Outcome>;
  /** $ids of JSON Schemas for the params and result of each of the suite's adapter methods. */
  methods: Record<string, { params: string; result: string }>;
  /** Shared services for a run (an origin server, say); disposed of when the run ends. */
  setup?(options: { outDir: string }): Promise<{ services: unknown; dispose(): Promise<void> }>;
  /**
   * What a target's adapter is told when it starts, in hello's params under
   * `setup.<suite name>`: what every vector will bring anyway (an origin
   * server's proxy address and CA, say), so that the adapter can get its
   * implementation ready (launch a browser) within the start-up budget rather
   * than inside its first vector's deadline. Undefined: nothing to tell.
   */
  startup?(target: TargetView, services: unknown): Promise<Record<string, unknown> | undefined>;
  /**
   * The folders (each with a Dockerfile) of the helper nodes the suite's
   * topologies use (FabricNodeSpec.context). The docker driver builds their
   * images before the first vector, as it builds the targets' images, so that
   * no vector's set-up budget pays for an image build.
   */
  fabricImages?: string[];
  /** Extra subcommands: `conformatrix <name> ...`. */
  commands?: Record<string, SuiteCommand>;
  /**
   * How the reports show a result's details: generic views (runner/view.ts),
   * made from the result record when the reports are written, so that older
   * runs get them too. Undefined where the suite has none for the record (a
   * record of another shape, say): the reports then show the details as JSON.
   */
  views?(result: ResultRecord): DetailView[] | undefined;
}
