/**
 * testcontainers builds images quietly: the builder's output goes only to its
 * "testcontainers:build" debug logger, and a failed build surfaces as a bare
 * "Failed to build image". Here that logger is switched on and its lines are
 * routed, by image name, to whoever is waiting on the build, so that build
 * errors can be shown verbatim.
 */
import createDebug from 'debug';

const NAMESPACE = 'testcontainers:build';
const listeners = new Map<string, (line: string) => void>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const previous = createDebug.disable();
  createDebug.enable(previous ? `${previous},${NAMESPACE}` : NAMESPACE);
  const fallback = createDebug.log.bind(createDebug);
  createDebug.log = (...args: unknown[]) => {
    const text = String(args[0] ?? '');
    // Lines look like "<timestamp?> testcontainers:build [image] {json}"; find the image they name.
    const m = /\[([^\]\s]+)\] (.*)$/s.exec(text);
    const listener = m ? listeners.get(m[1]!) : undefined;
    if (listener) listener(m![2]!);
    else if (!text.includes(NAMESPACE)) fallback(...args);
  };
}

/**
 * Collects the builder's output for one image while `fn` runs. `onContainer`
 * hears of each intermediate container the builder starts ("Running in ..."),
 * so that a build cut short can have them removed.
 */
export async function captureBuild<T>(
  image: string,
  fn: () => Promise<T>,
  onContainer: (id: string) => void = () => undefined,
): Promise<{ result?: T; error?: unknown; output: string }> {
  install();
  const lines: string[] = [];
  listeners.set(image, (json) => {
    try {
      const event = JSON.parse(json) as { stream?: string; error?: string; errorDetail?: { message?: string }; status?: string };
      const running = event.stream ? /Running in ([0-9a-f]{12,64})/.exec(event.stream) : null;
      if (running) onContainer(running[1]!);
      if (event.stream) lines.push(event.stream);
      else if (event.error) lines.push(`ERROR: ${event.errorDetail?.message ?? event.error}\n`);
      else if (event.status) lines.push(`${event.status}\n`);
    } catch {
      lines.push(json.endsWith('\n') ? json : `${json}\n`);
    }
  });
  try {
    const result = await fn();
    return { result, output: lines.join('') };
  } catch (error) {
    return { error, output: lines.join('') };
  } finally {
    listeners.delete(image);
  }
}
