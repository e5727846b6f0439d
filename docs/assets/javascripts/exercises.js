// The lessons' in-page exercises (sections [data-exercise], filled by tutor/site/exercises.py):
// an editor holding the starter, Run tests, Hint and Solution.
//
// Python (Pyodide, ~13 MB) runs in a Web Worker (exercise-worker.js) that is created on the
// first press of Run tests, so a lesson page stays light. The worker cannot be interrupted,
// so a run that passes the time limit is ended by terminating the worker; a fresh one
// starts loading at once, for the next run. Passed exercises and the learner's drafts are
// kept in this browser's localStorage.
//
// For automated checks: window.tutorExercises.run(name, code) runs an exercise of this page
// and returns a Promise of {passed, results: [{test, passed, message}], error, output}.
(function () {
  "use strict";

  const TIME_LIMIT_MS = 10000; // for the learner's code, once Python is ready
  const LOAD_LIMIT_MS = 180000; // for Pyodide's first download on a slow line
  const PROGRESS_KEY = "bert-tutor:exercises:passed";
  const DRAFT_KEY = "bert-tutor:exercises:draft:";
  const WORKER_URL = new URL("exercise-worker.js", document.currentScript.src).href;

  // ------------------------------------------------------------------ the worker

  let worker = null;
  let warm = false; // Python has finished loading in the current worker
  let nextId = 1;
  const pending = new Map(); // id -> {resolve, timer}
  let queue = Promise.resolve(); // one run at a time: the worker is single-threaded

  function startWorker() {
    worker = new Worker(WORKER_URL, { type: "module" });
    warm = false;
    worker.onmessage = (event) => onMessage(event.data);
    worker.onerror = (event) => {
      // The worker script itself failed (it catches everything it runs): report it in
      // the page, not as an uncaught error.
      event.preventDefault();
      replaceWorker(false); // no retry loop: the next Run tries again
      settleAll("The Python runner could not start in this browser (" +
        (event.message || "worker error") + ").");
    };
  }

  function replaceWorker(preload = true) {
    if (worker) worker.terminate();
    worker = null;
    warm = false;
    // Start the next Python now: it loads while the learner reads the message.
    if (preload) startWorker();
  }

  function settle(id, result) {
    const entry = pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    pending.delete(id);
    entry.resolve(result);
  }

  function settleAll(message) {
    for (const id of [...pending.keys()]) settle(id, failure(message));
  }

  function failure(message) {
    return { passed: false, results: [], error: message, output: "" };
  }

  function limit(id, ms, message) {
    const entry = pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      replaceWorker();
      settle(id, failure(message));
    }, ms);
  }

  function onMessage(message) {
    const entry = pending.get(message.id);
    if (!entry) return;
    if (message.type === "started") {
      warm = true;
      entry.onStarted();
      limit(message.id, TIME_LIMIT_MS,
        `Your code was still running after ${TIME_LIMIT_MS / 1000} s, so it was stopped. ` +
        "Look for a loop that never ends (a while whose condition stays true, or a " +
        "counter that is never updated). Python is restarted for the next run.");
    } else if (message.type === "result") {
      if (message.restart) replaceWorker();
      settle(message.id, message.result);
    }
  }

  function runInWorker(data, code, onStarted) {
    const job = () => new Promise((resolve) => {
      if (!worker) startWorker();
      const id = nextId++;
      pending.set(id, { resolve, timer: null, onStarted });
      limit(id, LOAD_LIMIT_MS, "Python did not finish loading in time. Check the " +
        "connection to this site and press Run tests again.");
      worker.postMessage({
        id, name: data.name, file: data.file, code,
        test_file: data.test_file, tests: data.tests,
      });
    });
    const result = queue.then(job);
    queue = result.catch(() => {});
    return result;
  }

  // ------------------------------------------------------------------ storage

  function readJSON(key, fallback) {
    try {
      const text = window.localStorage.getItem(key);
      return text ? JSON.parse(text) : fallback;
    } catch (err) {
      return fallback; // storage off (private mode) or corrupted: start clean
    }
  }

  function writeItem(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (err) {
      /* storage full or off: progress is then kept for this visit only */
    }
  }

  function passedSet() {
    const data = readJSON(PROGRESS_KEY, {});
    return data && typeof data === "object" ? data : {};
  }

  function markPassed(name) {
    const data = passedSet();
    if (!data[name]) {
      data[name] = { passed_at: new Date().toISOString() };
      writeItem(PROGRESS_KEY, JSON.stringify(data));
    }
  }

  // ------------------------------------------------------------------ the widgets

  const widgets = new Map(); // name -> widget

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  // YAML text as paragraphs with `code` spans, built as DOM nodes (never innerHTML).
  function richText(text) {
    const box = el("div", { class: "tutor-ex-text" });
    for (const para of text.split(/\n\s*\n/)) {
      const p = el("p");
      para.replace(/\s+/g, " ").trim().split(/(`[^`]+`)/).forEach((part) => {
        if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
          p.append(el("code", { text: part.slice(1, -1) }));
        } else if (part) {
          p.append(document.createTextNode(part));
        }
      });
      box.append(p);
    }
    return box;
  }

  function testLabel(name) {
    return name.replace(/^test_/, "").replace(/_/g, " ");
  }

  // Tab indents (four spaces) instead of leaving the editor; Shift+Tab dedents the line;
  // Escape then Tab moves on, so keyboard users are never trapped. Ctrl/Cmd+Enter runs.
  function editorKeys(editor, run) {
    let escaped = false;
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { escaped = true; return; }
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        run();
        return;
      }
      if (event.key !== "Tab" || escaped) { escaped = false; return; }
      event.preventDefault();
      const { selectionStart: start, selectionEnd: end, value } = editor;
      const lineStart = value.lastIndexOf("\n", start - 1) + 1;
      if (event.shiftKey) {
        const spaces = value.slice(lineStart, lineStart + 4).match(/^ */)[0].length;
        if (spaces) {
          editor.setRangeText("", lineStart, lineStart + spaces, "preserve");
          editor.setSelectionRange(Math.max(start - spaces, lineStart), Math.max(end - spaces, lineStart));
        }
      } else {
        editor.setRangeText("    ", start, end, "end");
      }
      editor.dispatchEvent(new Event("input"));
    });
  }

  function setup(section) {
    const name = section.dataset.exercise;
    const dataNode = section.querySelector("script.tutor-ex-data");
    const app = section.querySelector(".tutor-ex-app");
    if (!name || !dataNode || !app) return;
    let data;
    try {
      data = JSON.parse(dataNode.textContent);
    } catch (err) {
      app.textContent = "This exercise's data is damaged; use `tutor start " + name + "`.";
      return;
    }
    const badge = section.querySelector(".tutor-ex-badge");
    const editor = el("textarea", {
      class: "tutor-ex-editor", spellcheck: "false", autocapitalize: "off",
      autocomplete: "off", wrap: "off", "aria-label": `Your code for ${data.file}`,
    });
    const draft = readJSON(DRAFT_KEY + name, null);
    editor.value = typeof draft === "string" ? draft : data.starter;
    editor.rows = Math.min(Math.max(editor.value.split("\n").length + 1, 8), 22);
    let saveTimer = null;
    editor.addEventListener("input", () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        writeItem(DRAFT_KEY + name, editor.value === data.starter ? null : JSON.stringify(editor.value));
      }, 400);
    });

    const runButton = el("button", { type: "button", class: "md-button md-button--primary tutor-ex-run", text: "Run tests" });
    const hintButton = el("button", { type: "button", class: "md-button tutor-ex-hint-button", "aria-expanded": "false", text: "Hint" });
    const solutionButton = el("button", { type: "button", class: "md-button tutor-ex-solution-button", text: "Solution" });
    const resetButton = el("button", { type: "button", class: "md-button tutor-ex-reset", text: "Reset" });
    const status = el("p", { class: "tutor-ex-status", role: "status", "aria-live": "polite" });
    const results = el("div", { class: "tutor-ex-results" });
    const hint = el("div", { class: "tutor-ex-hint admonition tip", hidden: "" },
      el("p", { class: "admonition-title", text: "Hint" }), richText(data.hint));
    const confirmBox = el("div", { class: "tutor-ex-confirm", hidden: "" },
      el("span", { text: "Your tests do not pass yet. Trying a little longer teaches more. " }));
    const showAnyway = el("button", { type: "button", class: "md-button tutor-ex-show-anyway", text: "Show the solution anyway" });
    confirmBox.append(showAnyway);
    const solution = el("div", { class: "tutor-ex-solution", hidden: "" },
      el("p", { class: "tutor-ex-solution-title", text: `A solution (${data.file})` }),
      el("pre", {}, el("code", { class: "language-python", text: data.solution })));

    app.replaceChildren(
      editor,
      el("div", { class: "tutor-ex-actions" }, runButton, hintButton, solutionButton, resetButton),
      status, results, hint, confirmBox, solution,
    );

    const widget = { name, data, editor, passed: false };
    widgets.set(name, widget);

    function showSolution() {
      confirmBox.hidden = true;
      solution.hidden = false;
    }

    function show(result) {
      results.replaceChildren();
      if (result.error) {
        status.textContent = "Your code could not be tested.";
        results.append(el("div", { class: "tutor-ex-error" }, el("pre", { text: result.error })));
      } else {
        const passedCount = result.results.filter((r) => r.passed).length;
        status.textContent = result.passed
          ? `All ${result.results.length} tests pass. Well done!`
          : `${passedCount} of ${result.results.length} tests pass.`;
        const list = el("ul", { class: "tutor-ex-list" });
        for (const r of result.results) {
          const item = el("li", { class: r.passed ? "tutor-ex-pass" : "tutor-ex-fail" },
            el("span", { class: "tutor-ex-mark", "aria-hidden": "true", text: r.passed ? "✓" : "✗" }),
            el("span", { class: "tutor-ex-test", text: testLabel(r.test) }),
            el("span", { class: "tutor-ex-verdict", text: r.passed ? " passed" : " failed" }));
          if (!r.passed && r.message) item.append(el("pre", { class: "tutor-ex-message", text: r.message }));
          list.append(item);
        }
        results.append(list);
      }
      if (result.output) {
        results.append(el("details", { class: "tutor-ex-output" },
          el("summary", { text: "What your code printed" }), el("pre", { text: result.output })));
      }
      section.classList.toggle("tutor-ex-passed", Boolean(result.passed));
      section.classList.toggle("tutor-ex-failed", !result.passed);
      if (result.passed) {
        widget.passed = true;
        markPassed(name);
        badge.hidden = false;
        showSolution();
      }
    }

    widget.run = (code) => {
      runButton.disabled = true;
      section.setAttribute("aria-busy", "true");
      status.textContent = warm ? "Running the tests…" :
        "Loading Python (first run only: about 13 MB, then cached)…";
      return runInWorker(data, code, () => { status.textContent = "Running the tests…"; })
        .then((result) => { show(result); return result; })
        .finally(() => {
          runButton.disabled = false;
          section.removeAttribute("aria-busy");
        });
    };

    const runEditor = () => { if (!runButton.disabled) widget.run(editor.value); };
    runButton.addEventListener("click", runEditor);
    editorKeys(editor, runEditor);
    hintButton.addEventListener("click", () => {
      hint.hidden = !hint.hidden;
      hintButton.setAttribute("aria-expanded", String(!hint.hidden));
    });
    solutionButton.addEventListener("click", () => {
      if (!solution.hidden) { solution.hidden = true; return; }
      if (widget.passed) showSolution();
      else confirmBox.hidden = !confirmBox.hidden;
    });
    showAnyway.addEventListener("click", showSolution);
    resetButton.addEventListener("click", () => {
      editor.value = data.starter;
      writeItem(DRAFT_KEY + name, null);
      results.replaceChildren();
      status.textContent = "The editor holds the starter again.";
    });

    if (passedSet()[name]) {
      widget.passed = true;
      badge.hidden = false;
    }
  }

  function init() {
    document.querySelectorAll("section[data-exercise]").forEach(setup);
  }

  window.tutorExercises = {
    // Runs `code` as exercise `name` of this page; resolves to the test results.
    run(name, code) {
      const widget = widgets.get(name);
      if (!widget) return Promise.reject(new Error(`No exercise "${name}" on this page.`));
      return widget.run(String(code));
    },
    names: () => [...widgets.keys()],
    timeLimitMs: TIME_LIMIT_MS,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
