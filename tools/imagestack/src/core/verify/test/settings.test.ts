import { describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../../errors';
import { parseSpecs } from '../../specs/load';
import { commandArgv } from './settings';

// The test settings are read when specs.yml is loaded (schema definition `test`, then
// normalizeTestSettings) into ImageSpec.test; bad ones stop there, every problem at its line.
const HEAD = 'registry: r.example\nnamespace: ns\nversions: { "1": {} }\n';
const read = (yaml: string, image = 'app'): { settings: unknown; ownCommand: boolean; problems: Problem[] } => {
  try {
    const { settings, ownCommand } = parseSpecs(`${HEAD}${yaml}`, 'specs.yml', '/ws').images.find((i) => i.name === image)!.test;
    return { settings, ownCommand, problems: [] };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { settings: undefined, ownCommand: false, problems: [...e.problems] };
  }
};

describe('test settings (ImageSpec.test)', () => {
  it('applies the defaults when there is no test entry', () => {
    const r = read('images: { app: {} }');
    expect(r.problems).toEqual([]);
    expect(r.ownCommand).toBe(false);
    expect(r.settings).toEqual({
      folder: 'test',
      folderDeclared: false,
      inherit: false,
      timeoutSeconds: 300,
      network: false,
      limits: { memoryBytes: 512 * 1024 ** 2, pids: 256, cpus: 1 },
    });
  });

  it('reads every key of the image entry', () => {
    const r = read(`images:
  app:
    test:
      command: "sh /imagestack/test/run.sh"
      folder: tests/unit/
      inherit: true
      timeout: 60
      user: "1000:1000"
      network: true
      limits: { memory: 1g, pids: 64, cpus: 0.5 }
`);
    expect(r.problems).toEqual([]);
    expect(r.ownCommand).toBe(true);
    expect(r.settings).toEqual({
      command: 'sh /imagestack/test/run.sh',
      folder: 'tests/unit',
      folderDeclared: true,
      inherit: true,
      timeoutSeconds: 60,
      user: '1000:1000',
      network: true,
      limits: { memoryBytes: 1024 ** 3, pids: 64, cpus: 0.5 },
    });
  });

  it('puts the image entry over defaults.test, limits key by key', () => {
    const r = read(`defaults:
  test: { command: "make test", timeout: 30, limits: { memory: 256m, pids: 100 } }
images:
  app: { test: { timeout: 90, limits: { pids: 50 } } }
`);
    expect(r.problems).toEqual([]);
    expect(r.ownCommand).toBe(false); // the command comes from the defaults
    expect(r.settings).toMatchObject({ command: 'make test', timeoutSeconds: 90, limits: { memoryBytes: 256 * 1024 ** 2, pids: 50, cpus: 1 } });
  });

  it('takes the exec form of command and a numeric user', () => {
    const r = read('images: { app: { test: { command: ["python3", "-m", "pytest", "/imagestack/test"], user: 1000 } } }');
    expect(r.problems).toEqual([]);
    expect(r.settings).toMatchObject({ command: ['python3', '-m', 'pytest', '/imagestack/test'], user: '1000' });
  });

  it('reports every problem with file, line, message and fix', () => {
    const r = read(`images:
  app:
    test:
      comand: "x"
      command: ""
      folder: ../elsewhere
      inherit: "yes"
      timeout: -1
      user: "a b"
      network: 1
      limits: { memory: 1k, pids: 1.5, cpus: 0, swap: 1g }
`);
    const messages = r.problems.map((p) => p.message);
    // In file order: "swap" is the last key of its line.
    expect(messages).toEqual([
      'unknown key "comand" in images.app.test',
      'images.app.test.command must be a non-empty string or a list of strings',
      "images.app.test.folder must be a folder inside the image's build context (images/app/, or the folder images.app.context names)",
      'images.app.test.inherit must be true or false',
      'images.app.test.timeout must be a positive number of seconds',
      'images.app.test.user must be a user name or uid, optionally with :group',
      'images.app.test.network must be true or false',
      'images.app.test.limits.memory must be a size of at least 6m, but it is "1k"',
      'images.app.test.limits.pids must be a positive whole number',
      'images.app.test.limits.cpus must be a number of CPUs of at least 0.01',
      'unknown key "swap" in images.app.test.limits',
    ]);
    // Each at its own line (the image's line, 5, before the schema described test:).
    expect(r.problems[0]).toMatchObject({ file: 'specs.yml', line: 7, column: 7, fix: 'did you mean "command"?' });
    expect(r.problems.map((p) => p.line)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 14, 14, 14]);
    expect(r.problems.every((p) => p.fix.length > 0)).toBe(true);
  });

  it('refuses a timeout over 24 hours when specs.yml is loaded (Node timers end at 2^31-1 ms, about 24.8 days)', () => {
    // `timeout: 1e15` killed the test at once ("timed out after 1000000000000000 s"): a timer
    // over Node's limit fires after 1 ms.
    for (const t of ['1e15', '86401', '2147484']) {
      const r = read(`images:\n  app:\n    test: { timeout: ${t} }\n`);
      expect(r.problems).toEqual([
        {
          file: 'specs.yml',
          line: 6,
          column: 22,
          message: `images.app.test.timeout is ${Number(t)}, more than 86400 seconds (24 hours), the longest a test may run`,
          fix: 'write at most timeout: 86400, e.g. timeout: 3600 for an hour',
        },
      ]);
    }
    expect(read('defaults: { test: { timeout: 1e15 } }\nimages: { app: {} }').problems.map((p) => p.line)).toEqual([4]);
    expect(read('images:\n  app:\n    test: { timeout: 86400 }\n').settings).toMatchObject({ timeoutSeconds: 86400 });
  });

  it('reads test.host of the image entry, and refuses it in defaults.test or blank', () => {
    expect(read('images:\n  app:\n    test: { host: "pytest images/app/host-test" }\n').settings).toMatchObject({ host: 'pytest images/app/host-test' });
    expect(read('images:\n  app:\n    test: { command: "true" }\n').settings).not.toHaveProperty('host');
    expect(read('defaults: { test: { host: "pytest" } }\nimages: { app: {} }').problems).toEqual([
      {
        file: 'specs.yml', line: 4, column: 27,
        message: 'defaults.test.host is not allowed: a host-side test drives one image from outside',
        fix: 'move it to the test settings of the image it tests: images.<name>.test.host',
      },
    ]);
    expect(read('images:\n  app:\n    test: { host: " " }\n').problems).toMatchObject([
      { line: 6, message: 'images.app.test.host must be a non-empty string (a shell command run on the host)' },
    ]);
    expect(read('images:\n  app:\n    test: { host: [pytest] }\n').problems.map((p) => p.message)).toEqual([
      'images.app.test.host must be a non-empty string (a shell command run on the host)',
    ]);
  });

  it('reports problems of defaults.test at their line', () => {
    const r = read('defaults: { test: { timeot: 5 } }\nimages: { app: {} }');
    expect(r.problems).toEqual([{ file: 'specs.yml', line: 4, column: 21, message: 'unknown key "timeot" in defaults.test', fix: 'did you mean "timeout"?' }]);
  });
});

describe('commandArgv', () => {
  it('runs a string with sh -c and keeps the exec form', () => {
    expect(commandArgv('sh /imagestack/test/run.sh && echo "ok"')).toEqual(['sh', '-c', 'sh /imagestack/test/run.sh && echo "ok"']);
    expect(commandArgv(['pytest', '-q'])).toEqual(['pytest', '-q']);
  });
});
