/**
 * conformatrix as a library: run the vectors from your own mocha suite, write
 * an adapter in JavaScript, or read results.json.
 */
export { defineConformanceTests, type ConformanceOptions, type LibraryTarget } from './library.js';
export { serveAdapter } from './adapter-kit.js';
export { CONTRACT_VERSION, inProcessTransport, AdapterFault, type Handlers, type HelloResult, type Transport } from './transport.js';
export type { RunResults, ResultRecord, TargetRecord, VectorRecord, Verdict, Level } from './model.js';
export { readResults } from './results.js';
export type { Suite, LoadedVector, Outcome, Session, TargetView } from './suite.js';
