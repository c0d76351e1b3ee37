// CodeMentor test harness for JavaScript (Node.js 16+). The runner prepends
// one line, const __cmConfig = "<base64 JSON>", naming the marker, the
// learner's file, the entry function and each test's arguments. Records for
// the runner go to fd 1 as lines "<marker><JSON>\n"; everything else on fd 1
// is the learner's. (The prepended line comes first, so there is no
// 'use strict' prologue: the harness is written to need none.)

(function cmMain() {
  const fs = require('fs');
  const path = require('path');
  const vm = require('vm');
  const Module = require('module');

  const cfg = JSON.parse(Buffer.from(__cmConfig, 'base64').toString('utf8'));
  const marker = cfg.marker;
  const learnerFile = cfg.file;
  const entry = cfg.entry;
  const tests = cfg.tests;
  const realWrite = process.stdout.write;
  const realExit = process.exit;

  function emitRaw(rec) {
    const data = Buffer.from(marker + rec + '\n', 'utf8');
    let off = 0;
    while (off < data.length) {
      try {
        off += fs.writeSync(1, data, off);
      } catch (e) {
        if (e.code !== 'EAGAIN') throw e;
      }
    }
  }

  function emit(obj) {
    emitRaw(JSON.stringify(obj));
  }

  function isOOM(e) {
    return e instanceof RangeError && /allocation failed|out of memory/i.test(e.message);
  }

  function learnerStack(e) {
    if (!(e instanceof Error)) {
      let s;
      try {
        s = typeof e === 'string' ? e : JSON.stringify(e);
      } catch (_) {
        s = undefined;
      }
      return 'Uncaught ' + (s === undefined ? String(e) : s);
    }
    const head = (e.name || 'Error') + ': ' + e.message;
    const frames = String(e.stack || '')
      .split('\n')
      .filter((l) => l.trim().startsWith('at ') && l.includes(learnerFile))
      .slice(0, 5);
    return frames.length ? head + '\n' + frames.join('\n') : head;
  }

  function toJSON(v) {
    if (v === undefined) return 'null';
    const s = JSON.stringify(v, (key, x) => {
      if (typeof x === 'number' && !Number.isFinite(x)) throw new TypeError(String(x) + ' is not a finite number');
      if (typeof x === 'bigint') throw new TypeError('BigInt ' + String(x) + ' has no JSON form');
      if (x instanceof Map || x instanceof Set) throw new TypeError('a ' + x.constructor.name + ' has no JSON form');
      return x;
    });
    if (s === undefined) throw new TypeError('a ' + typeof v + ' has no JSON form');
    return s;
  }

  let source;
  try {
    source = fs.readFileSync(path.join(__dirname, learnerFile), 'utf8');
  } catch (e) {
    process.stderr.write('harness: cannot read ' + learnerFile + ': ' + e.message + '\n');
    realExit(70);
  }
  emit({ e: 'start' });

  // Compile first: a SyntaxError here is the learner's code not parsing,
  // while one thrown later (JSON.parse, eval) is a runtime error.
  const filename = learnerFile;
  let factory;
  try {
    factory = vm.compileFunction(
      source + '\n;return (typeof ' + entry + " === 'function') ? " + entry + ' : undefined;\n',
      ['exports', 'require', 'module', '__filename', '__dirname'],
      { filename }
    );
  } catch (e) {
    const stack = String(e.stack || e);
    const cut = stack.indexOf('\n    at ');
    emit({ e: 'compile', msg: (cut >= 0 ? stack.slice(0, cut) : stack).trim() });
    realExit(0);
  }

  // The learner's code must not find the marker by reading the harness.
  for (const f of [path.join(__dirname, learnerFile), __filename]) {
    try {
      fs.unlinkSync(f);
    } catch (_) {
      /* already gone */
    }
  }

  const mod = { exports: {}, filename, id: filename, loaded: false };
  let fn;
  try {
    const req = Module.createRequire(path.join(__dirname, learnerFile));
    fn = factory.call(mod.exports, mod.exports, req, mod, path.join(__dirname, learnerFile), __dirname);
  } catch (e) {
    if (isOOM(e)) {
      emit({ e: 'oom', i: -1 });
      realExit(3);
    }
    process.stderr.write(learnerStack(e) + '\n');
    realExit(1);
  }
  if (typeof fn !== 'function') {
    const ex = mod.exports;
    if (ex && typeof ex[entry] === 'function') fn = ex[entry];
    else if (typeof ex === 'function' && ex.name === entry) fn = ex;
  }
  if (typeof fn !== 'function') {
    emit({ e: 'compile', msg: learnerFile + ': the function ' + entry + ' is not defined' });
    realExit(0);
  }
  emit({ e: 'ready' });

  // A Promise that never settles leaves the event loop empty: Node would
  // exit quietly, so settle it as an error and go on with the next test.
  let pending = null;
  process.on('beforeExit', () => {
    if (pending) {
      const p = pending;
      pending = null;
      p(new Error('the returned Promise never settled'));
    }
  });
  process.on('unhandledRejection', () => {});

  function settle(value) {
    if (!value || typeof value.then !== 'function') return Promise.resolve(value);
    return new Promise((resolve, reject) => {
      pending = reject;
      value.then(
        (v) => {
          pending = null;
          resolve(v);
        },
        (e) => {
          pending = null;
          reject(e);
        }
      );
    });
  }

  (async () => {
    for (let i = 0; i < tests.length; i++) {
      const args = tests[i].args;
      emit({ e: 'begin', i });
      process.stdout.write = function (chunk, encoding, cb) {
        const d = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        emit({ e: 'out', i, d });
        if (typeof encoding === 'function') encoding();
        else if (typeof cb === 'function') cb();
        return true;
      };
      const start = process.hrtime.bigint();
      let rec;
      try {
        if (!Array.isArray(args)) throw new TypeError("the test's arguments are not a JSON array");
        const value = await settle(fn(...args));
        const ns = Number(process.hrtime.bigint() - start);
        process.stdout.write = realWrite;
        try {
          rec = '{"e":"end","i":' + i + ',"ok":true,"ns":' + ns + ',"v":' + toJSON(value) + '}';
        } catch (e) {
          rec = JSON.stringify({ e: 'end', i, ok: false, ns, err: 'result is not JSON-serialisable: ' + e.message });
        }
      } catch (e) {
        const ns = Number(process.hrtime.bigint() - start);
        process.stdout.write = realWrite;
        if (isOOM(e)) {
          emit({ e: 'oom', i });
          realExit(3);
        }
        rec = JSON.stringify({ e: 'end', i, ok: false, ns, err: learnerStack(e) });
      }
      process.stdout.write = realWrite;
      emitRaw(rec);
    }
    emit({ e: 'done' });
    // Timers or sockets the learner left behind must not keep the run alive.
    realExit(0);
  })();
})();
