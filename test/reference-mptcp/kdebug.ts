import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { KernelLab, EP_ADDR, K_ADDR } from './kernel-lab.js';
import { Sink } from './sim.js';
const mode = process.argv[2] ?? 'kclient';
const N = Number(process.argv[3] ?? 100000);
const csum = process.argv[4] === 'csum';
const L = await KernelLab.create({ checksum: csum, stripSynAck: process.argv[5] === 'strip' });
const cap = spawn('ip', ['netns', 'exec', L.router, 'dumpcap', '-q', '-i', 'any', '-s', '200', '-w', '/tmp/k.pcap'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 800));
L.driver.onEvent = (e) => { if (e.type !== 'readable') console.log('event', e.type, 'reason' in e ? e.reason : ''); };
try {
  if (mode === 'kclient') {
    const l = L.host.listen(5000);
    const c = await L.agent.call<{ conn: string }>('connect', { addr: EP_ADDR, port: 5000, mptcp: true });
    console.log('query', await L.agent.call('query', { conn: c.conn }));
    await L.driver.waitFor(() => l.queued > 0, 5000, 'accept');
    const srv = l.accept()!;
    console.log('srv mptcp', srv.isMptcp, srv.fallback, srv.checksum);
    const sink = new Sink(srv);
    L.driver.apps.push(() => sink.pull());
    const job = await L.agent.call<{ job: string }>('source', { conn: c.conn, count: N, seed: 3 });
    const t0 = Date.now();
    await L.driver.waitFor(() => sink.length >= N, 60000, 'data');
    console.log('received', sink.length, 'in', Date.now() - t0, 'ms');
    const w = await L.agent.call<any>('wait', { job: job.job });
    console.log('kernel sha', w.sha256, 'ours', createHash('sha256').update(sink.bytes()).digest('hex'));
    // now the other way
    const data = new Uint8Array(N).map((_, i) => (i * 13) & 0xff);
    const sinkJob = await L.agent.call<{ job: string }>('sink', { conn: c.conn });
    srv.write(data); srv.shutdown(); L.driver.kick();
    const t1 = Date.now();
    const r = await L.agent.call<any>('wait', { job: sinkJob.job, timeoutMs: 60000 });
    console.log('kernel got', r, 'in', Date.now() - t1, 'ours', createHash('sha256').update(data).digest('hex'));
    console.log(L.ssMptcp());
    await L.agent.call('close', { conn: c.conn });
    await L.driver.waitFor(() => srv.state === 'closed' || srv.state === 'reset', 5000, 'close').catch((e) => console.log(String(e)));
    console.log('srv state', srv.state, srv.resetReason, srv.subflows());
  } else {
    const ls = await L.agent.call<{ listener: string }>('listen', { port: 5001, mptcp: true });
    const acc = L.agent.call<{ conn: string }>('accept', { listener: ls.listener, timeoutMs: 5000 });
    const c = L.host.connect({ remote: K_ADDR, port: 5001 });
    L.driver.kick();
    const a = await acc;
    console.log('query', await L.agent.call('query', { conn: a.conn }));
    await L.driver.waitFor(() => c.state === 'established', 5000);
    console.log('client mptcp', c.isMptcp, c.fallback, c.checksum);
    const data = new Uint8Array(N).map((_, i) => (i * 13) & 0xff);
    const sinkJob = await L.agent.call<{ job: string }>('sink', { conn: a.conn });
    c.write(data); c.shutdown(); L.driver.kick();
    const t1 = Date.now();
    const r = await L.agent.call<any>('wait', { job: sinkJob.job, timeoutMs: 60000 });
    console.log('kernel got', r, 'in', Date.now() - t1, 'ours', createHash('sha256').update(data).digest('hex'));
    console.log(L.ssMptcp());
  }
} catch (e) { console.log('ERR', e); }
console.log(L.host.stats);
cap.kill('SIGINT');
await new Promise((r) => setTimeout(r, 500));
await L.dispose();
process.exit(0);
