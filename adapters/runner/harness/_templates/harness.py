# CodeMentor test harness for Python (3.8+). The runner prepends one line,
# _CM_CONFIG = "<base64 JSON>", naming the marker, the learner's file, the
# entry function and each test's arguments. Records for the runner go to fd 1
# as lines "<marker><JSON>\n"; everything else on fd 1 is the learner's.


def _cm_main():
    import base64
    import io
    import json
    import linecache
    import os
    import sys
    import time
    import traceback
    import types

    cfg = json.loads(base64.b64decode(_CM_CONFIG).decode("utf-8"))
    marker = cfg["marker"].encode("ascii")
    learner_file = cfg["file"]
    entry = cfg["entry"]
    tests = cfg["tests"]
    pid = os.getpid()
    real_stdout = sys.stdout

    def emit(record):
        # A process forked by the learner's code must not speak for the
        # harness: only the process that started it writes records.
        if os.getpid() != pid:
            return
        try:
            real_stdout.flush()
        except Exception:
            pass
        data = marker + record.encode("utf-8") + b"\n"
        while data:
            n = os.write(1, data)
            data = data[n:]

    def emit_obj(obj):
        emit(json.dumps(obj, ensure_ascii=True, separators=(",", ":")))

    def learner_frames(tb):
        frames = [f for f in traceback.extract_tb(tb) if f.filename == learner_file]
        return frames[-5:]

    def describe(exc):
        msg = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        frames = learner_frames(exc.__traceback__)
        if frames:
            msg += "\nTraceback (most recent call last):\n" + "".join(traceback.format_list(frames)).rstrip("\n")
        return msg

    class Capture(io.TextIOBase):
        """sys.stdout during one test call: streams what the call prints as
        "out" records, a line (or 1 KB) at a time, so output printed before a
        hang is kept."""

        def __init__(self, index):
            self.index = index
            self.buf = []
            self.size = 0

        def writable(self):
            return True

        def isatty(self):
            return False

        @property
        def encoding(self):
            return "utf-8"

        def write(self, s):
            if not isinstance(s, str):
                raise TypeError("write() argument must be str, not " + type(s).__name__)
            self.buf.append(s)
            self.size += len(s)
            if "\n" in s or self.size >= 1024:
                self.flush()
            return len(s)

        def flush(self):
            if self.buf:
                data = "".join(self.buf)
                self.buf, self.size = [], 0
                emit_obj({"e": "out", "i": self.index, "d": data})

    try:
        with open(learner_file, "rb") as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write("harness: cannot read %s: %s\n" % (learner_file, e))
        os._exit(70)
    emit_obj({"e": "start"})

    try:
        code = compile(source, learner_file, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        emit_obj({"e": "compile", "msg": "".join(traceback.format_exception_only(type(e), e)).strip()})
        os._exit(0)

    # The learner's code must not find the marker by reading the harness.
    for name in (learner_file, os.path.basename(sys.argv[0] or "")):
        try:
            if name:
                os.unlink(name)
        except OSError:
            pass
    text = source.decode("utf-8", "replace")
    linecache.cache[learner_file] = (len(text), None, text.splitlines(True), learner_file)

    module = types.ModuleType("solution")
    module.__file__ = learner_file
    sys.modules["solution"] = module
    try:
        exec(code, module.__dict__)
    except MemoryError:
        emit_obj({"e": "oom", "i": -1})
        os._exit(3)
    except BaseException as e:
        sys.stderr.write(describe(e) + "\n")
        sys.stderr.flush()
        os._exit(1)

    fn = module.__dict__.get(entry)
    if fn is None:
        emit_obj({"e": "compile", "msg": "%s: the function %s is not defined" % (learner_file, entry)})
        os._exit(0)
    if not callable(fn):
        emit_obj({"e": "compile", "msg": "%s: %s is not a function" % (learner_file, entry)})
        os._exit(0)
    emit_obj({"e": "ready"})

    for i, t in enumerate(tests):
        args = t.get("args")
        emit_obj({"e": "begin", "i": i})
        cap = Capture(i)
        sys.stdout = cap
        start = time.perf_counter_ns()
        result, err = None, None
        try:
            if not isinstance(args, list):
                raise TypeError("the test's arguments are not a JSON array")
            value = fn(*args)
            ns = time.perf_counter_ns() - start
            try:
                result = json.dumps(value, allow_nan=False, ensure_ascii=True, separators=(",", ":"))
            except (TypeError, ValueError, RecursionError) as e:
                err = "result is not JSON-serialisable: %s" % e
        except MemoryError:
            sys.stdout = real_stdout
            cap.flush()
            emit_obj({"e": "oom", "i": i})
            os._exit(3)
        except BaseException as e:
            ns = time.perf_counter_ns() - start
            err = describe(e)
        finally:
            sys.stdout = real_stdout
        cap.flush()
        if err is None:
            emit('{"e":"end","i":%d,"ok":true,"ns":%d,"v":%s}' % (i, ns, result))
        else:
            emit_obj({"e": "end", "i": i, "ok": False, "ns": ns, "err": err})
    emit_obj({"e": "done"})
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    # Threads or handlers the learner left behind must not keep the run alive.
    os._exit(0)


_cm_main()
