// Runs a lesson exercise's tests with Pyodide, off the page's thread (a module Worker
// started by exercises.js on the first press of Run tests).
//
// The learner's code runs here, never with the page's privileges: no DOM, no cookies, no
// access to the page's storage. The page cannot interrupt Python (that would need a
// SharedArrayBuffer, hence cross-origin isolation headers a static site cannot set), so
// an endless loop is stopped by the page terminating this worker.
//
// Messages in:  {id, name, file, code, test_file, tests}
// Messages out: {id, type: "started"} once Python is ready and the run begins (the page's
//               time limit counts from here, not from Pyodide's download), then
//               {id, type: "result", result: {passed, results: [{test, passed, message}],
//               error, output}, restart} (restart: Python is broken, start a new worker).

// Pyodide is served from the site's own files (tutor/site/vendor.py), never a CDN;
// packageBaseUrl points there too, so even a package request could not leave the host.
const INDEX_URL = new URL("../vendor/pyodide/", import.meta.url).href;

// The runner, in Python: load the learner's file as a module, then the test file (the
// same one `tutor check` runs under pytest), then call each test_* with the module.
const RUNNER = String.raw`
import contextlib, io, json, linecache, sys, traceback, types


def _remember(filename, source):
    # So that tracebacks and messages can quote the learner's lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _line_in(exc, filename):
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


def _what(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _syntax_message(exc, filename):
    where = f"{filename}, line {exc.lineno}" if exc.lineno else filename
    text = f"{type(exc).__name__} in {where}: {exc.msg}."
    if exc.text and exc.text.strip():
        code = exc.text.rstrip("\n")
        text += "\n    " + code.strip()
        if exc.offset:
            indent = len(code) - len(code.lstrip())
            text += "\n    " + " " * max(exc.offset - 1 - indent, 0) + "^"
    return text


def _load(source, filename, module_name):
    _remember(filename, source)
    code = compile(source, filename, "exec")
    module = types.ModuleType(module_name)
    module.__file__ = filename
    sys.modules[module_name] = module
    exec(code, module.__dict__)
    return module


def _test_result(test, module, filename, test_filename):
    try:
        test(module)
    except AssertionError as exc:
        message = str(exc)
        if not message:
            line = _line_in(exc, test_filename)
            check = linecache.getline(test_filename, line).strip() if line else "an assert"
            message = f"This check failed: {check}"
        return False, message
    except BaseException as exc:
        line = _line_in(exc, filename)
        where = f" ({filename}, line {line})" if line else ""
        return False, f"Your code raised {_what(exc)}{where}."
    return True, ""


def _run(name, filename, source, test_filename, test_source):
    module_name = f"tutor_exercise_{name}"
    sys.modules.pop(module_name, None)
    try:
        module = _load(source, filename, module_name)
    except SyntaxError as exc:
        return {"error": _syntax_message(exc, filename)}
    except BaseException as exc:
        line = _line_in(exc, filename)
        where = f", line {line}" if line else ""
        return {
            "error": f"Your code raised {_what(exc)} while it was being loaded "
            f"({filename}{where}), before any test ran. Code at the top level of the "
            f"file runs on loading: keep the work inside the functions."
        }
    try:
        tests = _load(test_source, test_filename, f"tutor_tests_{name}")
    except BaseException as exc:
        return {"error": f"The tests could not be loaded ({_what(exc)}): please report it."}
    results = []
    for test_name, test in list(vars(tests).items()):
        if test_name.startswith("test_") and callable(test):
            passed, message = _test_result(test, module, filename, test_filename)
            results.append({"test": test_name, "passed": passed, "message": message})
    if not results:
        return {"error": "The test file has no test_ functions: please report it."}
    return {"results": results, "passed": all(r["passed"] for r in results)}


def run_exercise(name, filename, source, test_filename, test_source):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        outcome = _run(name, filename, source, test_filename, test_source)
    result = {"passed": False, "results": [], "error": None}
    result.update(outcome)
    output = printed.getvalue()
    # What the learner printed, kept short: a print in a loop must not flood the page.
    result["output"] = output if len(output) <= 4000 else output[:4000] + "\n[... cut]"
    return json.dumps(result)
`;

async function boot() {
  const { loadPyodide } = await import("../vendor/pyodide/pyodide.mjs");
  const pyodide = await loadPyodide({
    indexURL: INDEX_URL,
    packageBaseUrl: INDEX_URL,
    // Python's own start-up messages are not the learner's; prints are captured per run.
    stdout: () => {},
    stderr: () => {},
    // No keyboard here: input() reads end-of-file (EOFError) rather than calling the
    // page's prompt(), which a worker does not have.
    stdin: () => null,
  });
  pyodide.runPython(RUNNER);
  return pyodide;
}

const booting = boot();
booting.catch(() => {}); // reported with the first run, not as an unhandled rejection

function failure(message, restart = false) {
  return {
    result: { passed: false, results: [], error: message, output: "" },
    restart,
  };
}

self.onmessage = async (event) => {
  const { id, name, file, code, test_file: testFile, tests } = event.data;
  let pyodide;
  try {
    pyodide = await booting;
  } catch (err) {
    const reason = err && err.message ? err.message : String(err);
    self.postMessage({
      id,
      type: "result",
      ...failure(`Python (Pyodide) could not be loaded in this browser: ${reason}`, true),
    });
    return;
  }
  self.postMessage({ id, type: "started" });
  let reply;
  try {
    const run = pyodide.globals.get("run_exercise");
    try {
      reply = { result: JSON.parse(run(name, file, code, testFile, tests)), restart: false };
    } finally {
      run.destroy();
    }
  } catch (err) {
    // Only an interpreter failure gets here (the runner catches the learner's errors),
    // e.g. memory exhausted: this Python cannot be trusted again.
    const reason = err && err.message ? err.message.split("\n").slice(-2).join(" ") : String(err);
    reply = failure(`Python stopped (${reason}). A fresh Python is started for the next run.`, true);
  }
  self.postMessage({ id, type: "result", ...reply });
};
